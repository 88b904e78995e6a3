import { randomBytes } from "node:crypto";
import { closeSync, constants, fchmodSync, fstatSync, fsyncSync, lstatSync, mkdirSync, openSync, readSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { quoted } from "../reconciler/render/safe-text";
import { CliError } from "./io";

/**
 * Files the CLI keeps for the user alone (outputs with secrets, saved plans, its outputs key): written
 * so that another local user cannot own, read or redirect them, and read only when they are the
 * user's own.
 */

const uid = () => (typeof process.getuid === "function" ? process.getuid() : -1);

/**
 * Writes `content` to `target` atomically: an exclusive (`O_EXCL`), no-follow temp file with a random
 * name beside the target, mode 0600, synced, then renamed over the target. A file or symlink someone
 * planted under a predictable name is never opened; rename replaces a symlink at the target itself.
 */
export function writePrivateFile(target: string, content: string): void {
  const tmp = join(dirname(target), `.${basename(target)}.${randomBytes(12).toString("hex")}.tmp`);
  let fd: number;
  try {
    fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  } catch (err) {
    throw new CliError(`cannot write ${quoted(target)}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    fchmodSync(fd, 0o600); // the umask may have taken bits away, never added any: be exact
    const data = Buffer.from(content, "utf8");
    for (let off = 0; off < data.length; ) off += writeSync(fd, data, off);
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, target);
  } catch (err) {
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
    try {
      unlinkSync(tmp);
    } catch {
      // nothing to clean up
    }
    throw new CliError(`cannot write ${quoted(target)}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

export type PrivateRead = { ok: true; text: string } | { ok: false; why: string };

/**
 * Reads a file only if it is a regular file (not through a symlink), owned by this user and readable
 * by nobody else; otherwise says why not. `missing` is reported as `why: "missing"`.
 */
export function readPrivateFile(path: string, maxBytes = 16 * 1024 * 1024): PrivateRead {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return { ok: false, why: "missing" };
    if (code === "ELOOP") return { ok: false, why: "it is a symbolic link" };
    return { ok: false, why: code ?? (err as Error).message };
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return { ok: false, why: "it is not a regular file" };
    if (uid() >= 0 && st.uid !== uid()) return { ok: false, why: "it belongs to another user" };
    if (st.mode & 0o077) return { ok: false, why: `its mode is ${(st.mode & 0o777).toString(8).padStart(4, "0")}, not 0600` };
    if (st.size > maxBytes) return { ok: false, why: `it is larger than ${maxBytes} bytes` };
    return { ok: true, text: readAll(fd, st.size) };
  } finally {
    closeSync(fd);
  }
}

/** Reads an open file to its end; one that keeps growing past its stated size is refused. */
export function readAll(fd: number, size: number): string {
  const chunks: Buffer[] = [];
  let total = 0;
  const buf = Buffer.alloc(Math.max(1, Math.min(size + 1, 1 << 20)));
  for (;;) {
    const n = readSync(fd, buf, 0, buf.length, null);
    if (n <= 0) break;
    chunks.push(Buffer.from(buf.subarray(0, n)));
    total += n;
    if (total > size + (1 << 20)) throw new CliError("a file grew while it was being read");
  }
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * Makes `dir` (and the missing folders from `base` down to it) private to this user (0700), and
 * refuses one that is a symlink, belongs to someone else or others may write to: a planted
 * `.keyform/outputs` link must not send secrets elsewhere.
 */
export function ensurePrivateDir(base: string, dir: string): void {
  const rel = dir.slice(base.length).split(/[\\/]/).filter(Boolean);
  let at = base;
  for (const part of rel) {
    at = join(at, part);
    try {
      mkdirSync(at, { mode: 0o700 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw new CliError(`cannot create ${quoted(at)}: ${(err as NodeJS.ErrnoException).code}`);
    }
    const st = lstatSync(at);
    if (st.isSymbolicLink() || !st.isDirectory()) throw new CliError(`${quoted(at)} is not a folder of its own (a symbolic link or a file): remove it, keyform keeps secrets there`);
    if (uid() >= 0 && st.uid !== uid()) throw new CliError(`${quoted(at)} belongs to another user: remove it, keyform keeps secrets there`);
    if (st.mode & 0o022) throw new CliError(`${quoted(at)} may be written by other users (mode ${(st.mode & 0o777).toString(8)}): chmod 700 it`);
  }
}
