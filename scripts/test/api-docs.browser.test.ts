import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { E2E_ADMIN, describeWithBrowser, http, startTestStack, unique } from '@shop/test-support';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunningStack } from '../src/stack';

const SCREENSHOT = path.resolve(__dirname, '../../test-results/api-docs.png');

interface ApiDocument {
  paths: Record<string, Record<string, { operationId: string; tags: string[] }>>;
}

/** Everything the page complained about: console errors, uncaught errors, CSP violations, failed loads. */
interface Complaints {
  console: string[];
  violations: string[];
  failedRequests: string[];
}

/** Opens the docs page, recording what a developer would see in the browser's console. */
async function openDocs(browser: Browser, gateway: string): Promise<{ page: Page; complaints: Complaints }> {
  const complaints: Complaints = { console: [], violations: [], failedRequests: [] };
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 900 });
  page.on('console', (message) => {
    if (message.type() === 'error') complaints.console.push(message.text());
  });
  page.on('pageerror', (error) => complaints.console.push(`uncaught: ${String(error)}`));
  page.on('requestfailed', (request) =>
    complaints.failedRequests.push(`${request.url()}: ${request.failure()?.errorText ?? 'failed'}`),
  );
  page.on('response', (response) => {
    if (response.status() >= 400) complaints.failedRequests.push(`${response.url()}: ${response.status()}`);
  });
  // Reported from inside the page; the listener is installed by the browser, outside the page's policy.
  await page.exposeFunction('reportViolation', (violation: string) => complaints.violations.push(violation));
  // Source text, run in the page: this test program has no DOM types.
  await page.evaluateOnNewDocument(`
    document.addEventListener('securitypolicyviolation', (event) => {
      window.reportViolation(
        event.effectiveDirective + ' blocked ' + (event.blockedURI || 'inline') +
          ' (' + event.sourceFile + ':' + event.lineNumber + ')',
      );
    });
  `);
  await page.goto(`${gateway}/api/docs`, { waitUntil: 'networkidle0' });
  await page.waitForSelector('.opblock', { timeout: 15_000 });
  return { page, complaints };
}

describeWithBrowser('the API docs page in headless Chromium, on the real stack', (executablePath) => {
  let stack: RunningStack;
  let gateway: string;
  let browser: Browser;
  let document: ApiDocument;
  const productName = unique('Docs lamp');

  beforeAll(async () => {
    stack = await startTestStack();
    gateway = stack.url('api-gateway');
    const admin = await http(`${gateway}/api/auth/login`, { json: E2E_ADMIN });
    const created = await http(`${gateway}/api/products`, {
      token: admin.body.token,
      json: { name: productName, description: 'seen through the docs page', price: 9.5, category: 'docs', stock: 3 },
    });
    expect(created.status).toBe(201);
    document = (await http(`${gateway}/api/openapi.json`)).body as ApiDocument;
    browser = await puppeteer.launch({
      executablePath,
      headless: true,
      // Chromium's sandbox cannot start as root (CI containers); elsewhere it stays on.
      args: process.getuid?.() === 0 ? ['--no-sandbox'] : [],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('lists every operation of the served document, with no console error and no policy violation', async () => {
    const { page, complaints } = await openDocs(browser, gateway);

    const listed = await page.$$eval('.opblock', (blocks) =>
      blocks.map(
        (block) =>
          `${block.querySelector('.opblock-summary-method')?.textContent?.trim()} ` +
          `${block.querySelector('.opblock-summary-path')?.getAttribute('data-path')}`,
      ),
    );
    const documented = Object.entries(document.paths).flatMap(([route, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} ${route}`),
    );
    expect(documented.length).toBeGreaterThan(15);
    expect(listed.sort()).toEqual(documented.sort());
    expect(complaints).toEqual({ console: [], violations: [], failedRequests: [] });
    await page.close();
  });

  it('"try it out" of GET /api/products calls the real gateway and shows 200 with the catalogue', async () => {
    const { page, complaints } = await openDocs(browser, gateway);
    const { operationId, tags } = document.paths['/api/products']!.get!;
    const operation = `#operations-${tags[0]}-${operationId}`;
    const calls: { url: string; status: number }[] = [];
    page.on('response', (response) => {
      if (new URL(response.url()).pathname === '/api/products')
        calls.push({ url: response.url(), status: response.status() });
    });

    await page.click(`${operation} .opblock-summary-control`);
    await (await page.waitForSelector(`${operation} button.try-out__btn`))!.click();
    await (await page.waitForSelector(`${operation} button.execute`))!.click();
    const status = await page.waitForSelector(`${operation} .live-responses-table .response .response-col_status`);
    const body = await page.$eval(`${operation} .live-responses-table .response .response-col_description`, (cell) =>
      cell.textContent?.trim(),
    );

    expect(await status!.evaluate((cell) => cell.textContent?.trim())).toBe('200');
    expect(body).toContain(productName);
    // One request, to this same gateway (the document's server is "/"), with the form's defaults.
    expect(calls).toEqual([{ url: expect.stringMatching(new RegExp(`^${gateway}/api/products(\\?|$)`)), status: 200 }]);
    expect(complaints).toEqual({ console: [], violations: [], failedRequests: [] });

    mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    await page.close();
  }, 60_000);
});
