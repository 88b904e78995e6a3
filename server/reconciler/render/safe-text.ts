import { randomUUID } from "node:crypto";

/**
 * How text keyform does not control (identifiers and values from a configuration, stored state, a
 * server's answer) reaches a terminal, a pull-request comment or a CI log. Every renderer and every
 * print path of the CLI goes through here, so that no input can move the cursor, clear a screen,
 * retitle a terminal, reorder a line (bidi), start a line of its own, or become live markdown or a
 * workflow command.
 */

/**
 * Characters a terminal or a viewer acts on instead of showing: C0 controls (CR included; tab and line
 * feed are handled per mode), DEL, C1, bidi marks, embeddings, overrides and isolates, and the Unicode
 * line and paragraph separators.
 */
const UNSAFE_EXCEPT_TAB_LF = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
/** What JSON.stringify leaves raw among those (it escapes C0 itself). */
const UNSAFE_IN_JSON = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const SHORT: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };
const visible = (c: string) => SHORT[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;

/** True when the text holds a character that `safeLine` would rewrite. */
export const hasUnsafeChars = (s: string): boolean => new RegExp(UNSAFE.source).test(s);

/** One line of untrusted text: every control character, line break included, shown as `\u001b`-style notation. */
export function safeLine(s: string): string {
  return s.replace(UNSAFE, visible);
}

/** Multi-line text whose line feeds and tabs are legitimate; everything else as in `safeLine` (CR included). */
export function safeText(s: string): string {
  return s.replace(UNSAFE_EXCEPT_TAB_LF, visible);
}

/**
 * JSON text in which the characters JSON.stringify leaves raw are escaped too (`\u202e`): still valid
 * JSON with the same value, since those characters can only occur inside strings.
 */
export function safeJson(value: unknown, space?: number): string {
  const text = JSON.stringify(value, null, space) ?? "null";
  return text.replace(UNSAFE_IN_JSON, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** A string as a quoted, escaped literal: `"a\nb"`. For names and values inside messages. */
export const quoted = (s: string): string => safeJson(String(s));

// ---------------------------------------------------------------- markdown (GitHub-flavoured)

const longestRun = (s: string, ch: string): number => {
  let best = 0;
  let run = 0;
  for (const c of s) {
    run = c === ch ? run + 1 : 0;
    if (run > best) best = run;
  }
  return best;
};

/**
 * Untrusted text as an inline code span: nothing inside is markdown, HTML or an autolink. The
 * delimiter is longer than any backtick run inside, so the text cannot close it.
 */
export function mdCode(s: string): string {
  const text = safeLine(s);
  if (text === "") return "` `";
  const ticks = "`".repeat(longestRun(text, "`") + 1);
  // CommonMark strips one space from each end of a span that starts and ends with one (unless it is all spaces).
  const pad = text.startsWith("`") || text.endsWith("`") || (text.startsWith(" ") && text.endsWith(" ") && text.trim() !== "") ? " " : "";
  return `${ticks}${pad}${text}${pad}${ticks}`;
}

/** Untrusted multi-line text as a fenced code block whose fence is longer than any backtick run inside. */
export function mdFence(body: string, info = ""): string[] {
  const text = safeText(body);
  const fence = "`".repeat(Math.max(3, longestRun(text, "`") + 1));
  return [fence + info, text, fence];
}

const MD_ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/**
 * Text outside code (keyform's own sentences, such as diagnostic summaries): HTML characters as
 * entities, every other ASCII punctuation backslash-escaped, so it can open no tag, comment, link,
 * image or emphasis. GitHub still autolinks bare URLs in text: what may hold one goes in `mdCode`.
 */
export function mdText(s: string): string {
  return safeLine(s).replace(/[!-/:-@[-`{-~]/g, (c) => MD_ENTITIES[c] ?? `\\${c}`);
}

// ---------------------------------------------------------------- GitHub Actions workflow commands

/** A workflow command's data, escaped as GitHub's toolkit does (`%`, CR and LF), so it stays one command. */
export function workflowCommandData(s: string): string {
  return s.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}

/**
 * `::add-mask::` lines for a secret: one per line of it (GitHub masks single lines only), each
 * escaped, so that no line of the value can be read as a command of its own (`::stop-commands::`).
 */
export function addMaskCommands(secret: string): string[] {
  return secret
    .split(/\r\n|\r|\n/)
    .filter((line) => line.trim() !== "")
    .map((line) => `::add-mask::${workflowCommandData(line)}`);
}

/**
 * One `$GITHUB_OUTPUT` entry in GitHub's multi-line form, with a random delimiter checked not to occur
 * in the value (as GitHub's toolkit writes it). The name must be checked by the caller.
 */
export function githubOutputEntry(name: string, value: string, delimiter = `ghadelimiter_${randomUUID()}`): string {
  if (name.includes(delimiter) || value.includes(delimiter)) throw new Error("the value holds the heredoc delimiter");
  return `${name}<<${delimiter}\n${value}\n${delimiter}\n`;
}
