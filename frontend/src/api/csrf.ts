/** CSRF: the server sets a readable `csrftoken` cookie; unsafe requests echo it in `X-CSRF-Token`. */

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);

export function readCookie(name: string, cookies: string = document.cookie): string | null {
  for (const part of cookies.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return decodeURIComponent(v.join('='));
  }
  return null;
}

export function csrfHeaders(method: string, cookies?: string): Record<string, string> {
  if (SAFE.has(method.toUpperCase())) return {};
  const token = readCookie('csrftoken', cookies);
  return token ? { 'X-CSRF-Token': token } : {};
}
