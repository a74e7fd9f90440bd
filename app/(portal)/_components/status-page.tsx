import { useTranslations } from "next-intl";
import Link from "@/app/(portal)/_components/link";

/** The whole-page answer for forbidden and not-found: a title, a line of text and a way home. */
export function StatusPage({ messages }: { messages: "common.forbidden" | "common.notFound" }) {
  const t = useTranslations(messages);
  return (
    <main className="mx-auto max-w-lg px-4 py-16 text-center">
      <h1 className="text-xl font-semibold">{t("title")}</h1>
      <p className="mt-2 text-sm text-slate-600">{t("body")}</p>
      <Link href="/" className="btn mt-6">
        {t("home")}
      </Link>
    </main>
  );
}
