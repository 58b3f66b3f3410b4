import path from "node:path";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../testing/bot-fixtures.ts";
import { runDemo } from "./run-demo.ts";

describe("npm run demo", () => {
  it("runs the example bots against the stand-in and shows their answers", async () => {
    const lines: string[] = [];
    const result = await runDemo({ botsDir: path.join(PROJECT_ROOT, "bots"), print: (l) => lines.push(l) });
    const texts = result.answers.map((a) => `${a.bot}: ${a.text.split("\n")[0] ?? ""}`);
    expect(texts).toContain("EchoBot: pong");
    expect(texts).toContain("EchoBot: Echo from EchoBot: hello there");
    expect(texts).toContain("EnglishBot: I did not get that. Try /word, /quiz or /help.");
    // The twice-delivered update was answered once.
    expect(texts.filter((t) => t.startsWith("EnglishBot: concise:"))).toHaveLength(1);
    expect(result.wrongKeyStatus).toBe(403);
    expect(lines.join("\n")).toContain("Bots -> Bot API (sendMessage):");
  });
});
