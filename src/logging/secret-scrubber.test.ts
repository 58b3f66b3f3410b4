import { describe, expect, it } from "vitest";
import { testKey, testToken } from "../testing/bot-fixtures.ts";
import { LogCapture } from "../testing/log-capture.ts";
import { createLogger } from "./logger.ts";
import { maskSecret, SecretScrubber } from "./secret-scrubber.ts";

const R = "[redacted]";

function scrubberWith(...secrets: string[]): SecretScrubber {
  const scrubber = new SecretScrubber();
  for (const secret of secrets) scrubber.add(secret);
  return scrubber;
}

describe("SecretScrubber.scrub", () => {
  it("removes a registered secret wherever it appears", () => {
    const s = scrubberWith("key-of-alpha-0123");
    expect(s.scrub("key-of-alpha-0123")).toBe(R);
    expect(s.scrub("at start key-of-alpha-0123")).toBe(`at start ${R}`);
    expect(s.scrub("xkey-of-alpha-0123y")).toBe(`x${R}y`);
  });

  it("removes several secrets, and repeats of one, in one line", () => {
    const s = scrubberWith("first-secret", "second-secret");
    expect(s.scrub("a first-secret b second-secret c first-secret")).toBe(`a ${R} b ${R} c ${R}`);
  });

  it("removes a secret whole when a shorter one shares its beginning", () => {
    const s = scrubberWith("abcd1234", "abcd12345678", "abcdXY");
    expect(s.scrub("[abcd12345678] [abcd1234] [abcdXY] [abcd]")).toBe(`[${R}] [${R}] [${R}] [abcd]`);
    // Registration order does not matter.
    const reversed = scrubberWith("abcdXY", "abcd12345678", "abcd1234");
    expect(reversed.scrub("abcd12345678")).toBe(R);
  });

  it("finds a secret that starts right after a false start with the same prefix", () => {
    const s = scrubberWith("abcdXYZ");
    expect(s.scrub("abcdabcdXYZ")).toBe(`abcd${R}`);
  });

  it('removes a secret with " or \\ both raw and in its JSON-escaped form', () => {
    const secret = 'se"cr\\et-value';
    const s = scrubberWith(secret);
    expect(s.scrub(`raw ${secret} end`)).toBe(`raw ${R} end`);
    const line = JSON.stringify({ msg: `holds ${secret}` });
    expect(line).not.toContain(secret);
    expect(s.scrub(line)).toBe(JSON.stringify({ msg: `holds ${R}` }));
  });

  it("removes short secrets (under 4 characters) too", () => {
    const s = scrubberWith("q7!");
    expect(s.scrub("value=q7! and q7!")).toBe(`value=${R} and ${R}`);
  });

  it("ignores an empty secret", () => {
    const s = scrubberWith("");
    expect(s.scrub("nothing to hide")).toBe("nothing to hide");
  });

  it.each([
    ["https://api.telegram.org/bot123456:ABC-def/sendMessage", `https://api.telegram.org/bot${R}/sendMessage`],
    ["https://api.telegram.org/botanything-at-all/getMe", `https://api.telegram.org/bot${R}/getMe`],
    ["http://127.0.0.1:8081/bot42:x/test/sendMessage?chat_id=1", `http://127.0.0.1:8081/bot${R}/test/sendMessage?chat_id=1`],
    ["request to https://api.telegram.org/bot1:short/getUpdates failed", `request to https://api.telegram.org/bot${R}/getUpdates failed`],
    ['{"url":"https://api.telegram.org/botSECRET/sendMessage"}', `{"url":"https://api.telegram.org/bot${R}/sendMessage"}`],
  ])("removes the token from the Bot API URL %s without it being registered", (text, expected) => {
    expect(new SecretScrubber().scrub(text)).toBe(expected);
  });

  it("removes token-shaped strings that were never registered", () => {
    const token = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw";
    expect(new SecretScrubber().scrub(`token ${token} here`)).toBe(`token ${R} here`);
    expect(new SecretScrubber().scrub(testToken("Alpha"))).toBe(R);
  });

  it.each([
    ["bots/english_bot/handlers"],
    ["handlers/start.ts failed to import"],
    ["http://127.0.0.1:8010/internal/update"],
    ["update_id 123456789 in chat -1001234567890"],
    ["12:30 meeting"],
    ["robot:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"],
  ])("leaves ordinary text alone: %s", (text) => {
    const s = scrubberWith("key-of-alpha-0123");
    expect(s.scrub(text)).toBe(text);
  });
});

describe("maskSecret", () => {
  it.each([
    ["123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw", "123456789:***"],
    [testToken("Alpha"), `${testToken("Alpha").split(":")[0]}:***`],
    [testKey("Alpha"), "***"],
    ["abc:def", "***"],
    [":abc", "***"],
    ["", "***"],
  ])("%s -> %s", (secret, expected) => {
    expect(maskSecret(secret)).toBe(expected);
  });
});

describe("the service logger", () => {
  function logger() {
    const capture = new LogCapture();
    const scrubber = new SecretScrubber();
    const { logger } = createLogger({ level: "debug", scrubber, extraStream: capture, stdout: false });
    return { logger, capture, scrubber };
  }

  it("removes a registered secret from an error's nested cause and error properties", () => {
    const { logger: log, capture, scrubber } = logger();
    const key = testKey("Alpha");
    const token = testToken("Alpha");
    scrubber.add(key);
    scrubber.add(token);
    const err = new Error(`outer with ${key}`, { cause: new Error(`cause with ${token}`, { cause: new Error(`deeper ${key}`) }) });
    Object.assign(err, { error: new Error(`error property with ${key} and ${token}`) });
    log.error({ err }, "call failed");

    expect(capture.lines).toHaveLength(1);
    expect(capture.text()).not.toContain(key);
    expect(capture.text()).not.toContain(token);
    const line = capture.lines[0];
    const logged = line?.err as { message: string; error: { message: string } } | undefined;
    expect(line?.msg).toBe("call failed");
    expect(logged?.error.message).toBe(`error property with ${R} and ${R}`);
    // errWithCause folds the cause chain into the message and the stack.
    expect(logged?.message).toContain(`outer with ${R}`);
  });

  it("removes a secret with a quote and a backslash from a JSON log line", () => {
    const { logger: log, capture, scrubber } = logger();
    const secret = 'p"a\\ss-word';
    scrubber.add(secret);
    log.info({ detail: `is ${secret}` }, `msg ${secret}`);
    expect(capture.lines.map(({ msg, detail }) => ({ msg, detail }))).toEqual([{ msg: `msg ${R}`, detail: `is ${R}` }]);
  });

  it("censors token and internalKey fields without a registered secret", () => {
    const { logger: log, capture } = logger();
    log.info({ token: "plain-value", bot: { internalKey: "another-plain" } }, "fields");
    expect(capture.lines.map(({ token, bot }) => ({ token, bot }))).toEqual([{ token: R, bot: { internalKey: R } }]);
  });
});
