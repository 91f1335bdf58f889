/**
 * Requests a process served with `method` on `route` (a route template), summed over status codes,
 * from the text of its `/metrics` (`http_requests_total`).
 */
export function requestsServed(exposition: string, method: string, route: string): number {
  let total = 0;
  for (const line of exposition.split('\n')) {
    if (
      line.startsWith('http_requests_total{') &&
      line.includes(`route="${route}"`) &&
      line.includes(`method="${method}"`)
    )
      total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}
