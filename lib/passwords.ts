// Password hashing for portal users: argon2id (OWASP's first choice) through
// @node-rs/argon2, with its defaults (19 MiB, 2 passes, 1 lane — the OWASP
// minimum). Hashes are PHC strings ($argon2id$v=19$m=…), so the parameters
// travel with each hash and can be raised later without breaking old ones.
import { randomInt } from "node:crypto";

import { hash, verify } from "@node-rs/argon2";

// Algorithm.Argon2id; the package exports it as a `const enum`, which
// isolatedModules builds cannot inline.
const ARGON2ID = 2;

export async function hashPassword(password: string): Promise<string> {
  if (password.length === 0) throw new Error("password must not be empty");
  return hash(password, { algorithm: ARGON2ID });
}

/** False for a wrong password and for a stored value that is not an argon2 hash. */
export async function verifyPassword(storedHash: string, password: string): Promise<boolean> {
  try {
    return await verify(storedHash, password);
  } catch {
    return false;
  }
}

// No 0/O, 1/l/I: generated passwords get read off a terminal and typed.
const ALPHABET = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/**
 * A random password in dash-separated groups of five, e.g. "k7Qm2-xPa9d-Rt4wz-Hn8cv"
 * (20 random characters from 57 symbols ≈ 116 bits).
 */
export function generatePassword(groups = 4): string {
  const parts: string[] = [];
  for (let g = 0; g < groups; g++) {
    let part = "";
    for (let i = 0; i < 5; i++) part += ALPHABET[randomInt(ALPHABET.length)];
    parts.push(part);
  }
  return parts.join("-");
}
