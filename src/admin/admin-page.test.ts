/**
 * The admin page in a real browser (Debian's chromium, driven by playwright-core): opened with
 * HTTP Basic credentials, it shows a ready bot and a failed bot's reason; its reload button loads
 * the bot again (the page shows the new version after it reloads itself). A screenshot goes to
 * the test's temporary folder (and to ADMIN_PAGE_SCREENSHOT when set: how docs/admin-page.png is made).
 */
import { copyFileSync, existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { composerSource, simpleBot, testKey, testToken } from "../testing/bot-fixtures.ts";
import { startTestService, textUpdate, type TestService } from "../testing/service-harness.ts";
import { until } from "../testing/until.ts";

const CHROMIUM = "/usr/bin/chromium";
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env.CI === "true") throw new Error(`${CHROMIUM} is required under CI=true (Debian's chromium package; .ci/run installs it)`);

const ADMIN_TOKEN = "browser-admin-token-0123456789";

describe.skipIf(!haveChromium)(`the admin page in chromium${haveChromium ? "" : ` (skipped: no ${CHROMIUM}; install Debian's chromium package)`}`, () => {
  let t: TestService;
  let browser: Browser;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), "cb-admin-browser-"));
    const echo = composerSource(`c.on("message:text", (ctx) => ctx.reply("ok"));`);
    const picky = composerSource(`c.hears("fail", () => { throw new Error("the order service did not answer"); });\nc.on("message:text", (ctx) => ctx.reply("ok"));`);
    t = await startTestService({
      bots: {
        shop: simpleBot("ShopBot", { "10-orders.ts": picky, "20-start.ts": echo, "99-fallback.ts": composerSource("") }),
        support: simpleBot("SupportBot", { "main.ts": echo }),
        weather: simpleBot("WeatherBot", { "forecast.ts": 'throw new Error("WEATHER_API_URL is not set");\n' }),
      },
      env: { ADMIN_TOKEN, BOTS_WATCH: "false", HANDLER_MAX_ATTEMPTS: 1 },
    });
    for (let i = 1; i <= 6; i++) await t.postUpdate("ShopBot", textUpdate(i, 100 + i, i === 6 ? "fail" : `hi ${i}`));
    for (let i = 1; i <= 3; i++) await t.postUpdate("SupportBot", textUpdate(i, 200 + i, `help ${i}`));
    await t.idle();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it("shows the bots and a failed bot's reason, and reloads a bot from its button", async () => {
    const context = await browser.newContext({ httpCredentials: { username: "ops", password: ADMIN_TOKEN }, viewport: { width: 1400, height: 700 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    page.on("console", (message) => {
      if (message.type() === "error") errors.push(message.text());
    });
    const response = await page.goto(`${t.url}/admin`);
    expect(response?.status()).toBe(200);
    const shop = page.locator('tr[data-folder="shop"]');
    expect(await shop.locator(".state").textContent()).toBe("ready");
    expect(await shop.locator("ol li").allTextContents()).toEqual(["10-orders.ts", "20-start.ts", "99-fallback.ts"]);
    expect(await page.locator('tr[data-folder="weather"] .state').textContent()).toBe("failed");
    expect(await page.locator('tr[data-folder="weather"] .reason').textContent()).toContain("WEATHER_API_URL is not set");
    expect(await shop.locator(".error").textContent()).toContain("the order service did not answer");
    const versionCell = shop.locator("td").nth(3);
    expect(await versionCell.textContent()).toBe("0");
    const shot = path.join(dir, "admin-page.png");
    await page.screenshot({ path: shot, fullPage: true });
    expect(statSync(shot).size).toBeGreaterThan(10_000);
    if (process.env.ADMIN_PAGE_SCREENSHOT !== undefined) copyFileSync(shot, process.env.ADMIN_PAGE_SCREENSHOT);

    await shop.locator("button.action").click();
    // The script POSTs, then reloads the page: the new version shows once it has loaded again.
    // (Polled from here: the page's CSP allows no evaluated script, waitForFunction's included.)
    await until(async () => (await page.locator('tr[data-folder="shop"] td').nth(3).textContent({ timeout: 5_000 }).catch(() => undefined)) === "1", 60_000, 100);
    expect(await page.locator('tr[data-folder="shop"] .state').textContent()).toBe("ready");
    expect(t.service.registry.servingOf("shop")?.version).toBe(1);
    await page.screenshot({ path: path.join(dir, "admin-page-after-reload.png"), fullPage: true });
    const html = await page.content();
    for (const secret of [ADMIN_TOKEN, testToken("ShopBot"), testKey("ShopBot"), testToken("WeatherBot"), testKey("WeatherBot")]) expect(html).not.toContain(secret);
    expect(errors).toEqual([]);
    await context.close();
  });
});
