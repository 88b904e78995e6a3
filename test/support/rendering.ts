/** Raw characters no rendering for a person may hold (line feeds aside, where a line break is real). */
export const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

/** $GITHUB_OUTPUT read the way GitHub's runner reads it: `name=value` lines and `name<<DELIM` … `DELIM` blocks. */
export function parseGithubOutput(text: string): Record<string, string> {
  const lines = text.split("\n");
  const out: Record<string, string> = {};
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line === "") continue;
    const heredoc = line.indexOf("<<");
    const eq = line.indexOf("=");
    if (heredoc > 0 && (eq < 0 || heredoc < eq)) {
      const delim = line.slice(heredoc + 2);
      const value: string[] = [];
      for (i++; i < lines.length && lines[i] !== delim; i++) value.push(lines[i]);
      if (i >= lines.length) throw new Error(`unterminated heredoc ${delim}`);
      out[line.slice(0, heredoc)] = value.join("\n");
    } else out[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return out;
}
