"use client";

import NextLink from "next/link";
import { useRouter } from "next/navigation";
import type { ComponentProps } from "react";

/**
 * The portal's link: fetches the next page when the reader shows intent — the pointer goes
 * over it, it gets focus, a finger lands on it — instead of Next's default of prefetching every
 * link that scrolls into view (a list of services kept the page busy for a second after load,
 * and each prefetch renders a page on the server). Same props as next/link.
 */
export default function Link({ href, onPointerEnter, onFocus, onTouchStart, ...props }: ComponentProps<typeof NextLink>) {
  const router = useRouter();
  // Object hrefs are rare here and only prefetched by a click.
  const prefetch = () => {
    if (typeof href === "string") router.prefetch(href);
  };
  return (
    <NextLink
      {...props}
      href={href}
      prefetch={false}
      onPointerEnter={(e) => {
        prefetch();
        onPointerEnter?.(e);
      }}
      onFocus={(e) => {
        prefetch();
        onFocus?.(e);
      }}
      onTouchStart={(e) => {
        prefetch();
        onTouchStart?.(e);
      }}
    />
  );
}
