import { homedir } from 'node:os';
import path from 'node:path';

/** Where built database engines are kept between runs (outside the repository, never committed). */
export function cacheDir(...parts: string[]): string {
  const root =
    process.env.SHOP_CACHE_DIR ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(homedir(), '.cache'), 'shop-db');
  return path.join(root, ...parts);
}
