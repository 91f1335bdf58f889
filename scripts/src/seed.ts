/** Sample catalogue for `npm start -- --seed`; created through the services' own APIs. */
const SAMPLE_PRODUCTS = [
  {
    name: 'Mechanical keyboard',
    description: 'Tenkeyless, brown switches',
    price: 89.9,
    category: 'electronics',
    stock: 25,
  },
  { name: 'USB-C cable', description: '2 m, 100 W', price: 9.99, category: 'electronics', stock: 200 },
  { name: 'Espresso beans', description: '1 kg, medium roast', price: 18.5, category: 'grocery', stock: 60 },
  { name: 'Notebook', description: 'A5, dotted', price: 4.25, category: 'stationery', stock: 150 },
  { name: 'Desk lamp', description: 'LED, dimmable', price: 34.0, category: 'home', stock: 12 },
];

async function call<T>(url: string, init: RequestInit & { json?: unknown } = {}): Promise<T> {
  const res = await fetch(url, {
    ...init,
    headers: { 'content-type': 'application/json', ...init.headers },
    body: init.json === undefined ? init.body : JSON.stringify(init.json),
  });
  const body: unknown = await res.json();
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${url} answered ${res.status}: ${JSON.stringify(body)}`);
  return body as T;
}

/** Logs in as the admin and adds the sample products unless the catalogue already has them. */
export async function seedCatalogue(
  urls: { user: string; product: string },
  admin: { email: string; password: string },
): Promise<number> {
  const { token } = await call<{ token: string }>(`${urls.user}/auth/login`, { method: 'POST', json: admin });
  const existing = await call<{ total: number }>(`${urls.product}/products?limit=1`);
  if (existing.total > 0) return 0;
  for (const product of SAMPLE_PRODUCTS) {
    await call(`${urls.product}/products`, {
      method: 'POST',
      json: product,
      headers: { authorization: `Bearer ${token}` },
    });
  }
  return SAMPLE_PRODUCTS.length;
}
