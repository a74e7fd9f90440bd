import Link from "@/app/(portal)/_components/link";

/**
 * The first two cells of a release row in the release lists (/releases, /releases/history):
 * the service, linked to that list filtered to it, and the version, linked to the release.
 */
export function ReleaseNameCells({ id, service, version, serviceHref }: { id: string; service: string; version: string; serviceHref: string }) {
  return (
    <>
      <td className="px-3 py-2">
        <Link href={serviceHref} className="hover:underline">
          {service}
        </Link>
      </td>
      <td className="px-3 py-2">
        <Link href={`/releases/${id}`} className="font-medium text-sky-700 hover:underline">
          {version}
        </Link>
      </td>
    </>
  );
}
