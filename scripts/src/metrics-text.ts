/**
 * The sum of the samples of `name` in the text of a `/metrics` exposition whose labels include
 * every one of `labels` (0 when there is none). For a histogram, name the `_count` or `_sum` series.
 */
export function sampleSum(exposition: string, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels).map(([label, value]) => `${label}="${value}"`);
  let total = 0;
  for (const line of exposition.split('\n')) {
    if (!(line.startsWith(`${name}{`) || line.startsWith(`${name} `))) continue;
    const labelText = line.startsWith(`${name}{`) ? line.slice(name.length + 1, line.lastIndexOf('}')) : '';
    const present = labelText.split(/,(?=\w+=")/);
    if (wanted.every((pair) => present.includes(pair))) total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

/**
 * Requests a process served with `method` on `route` (a route template), summed over status codes,
 * from the text of its `/metrics` (`http_requests_total`).
 */
export function requestsServed(exposition: string, method: string, route: string): number {
  return sampleSum(exposition, 'http_requests_total', { method, route });
}
