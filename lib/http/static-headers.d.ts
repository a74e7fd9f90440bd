// Types of static-headers.js (plain JavaScript so that next.config.js can import it).
export declare const PATHNAME_HEADER: "x-graylane-pathname";
export declare const STATIC_SECURITY_HEADERS: { key: string; value: string }[];
