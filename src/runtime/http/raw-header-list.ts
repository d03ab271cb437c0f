/** Node's raw header list (name, value, name, value, …) with `value` as the only header called `name`. */
export function withHeader(rawHeaders: string[], name: string, value: string): string[] {
  const lower = name.toLowerCase();
  const headers: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    if (rawHeaders[i]!.toLowerCase() !== lower) headers.push(rawHeaders[i]!, rawHeaders[i + 1]!);
  }
  headers.push(name, value);
  return headers;
}
