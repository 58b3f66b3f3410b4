import { describe, expect, it } from "vitest";
import { parseServiceConfig } from "../config/service-config.ts";
import { ConfigError } from "../errors/config-error.ts";
import { logRotationOf } from "./log-file.ts";

describe("logging settings", () => {
  it("rotate the log file by default: 50 MiB files, a new one each day, 10 kept", () => {
    const config = parseServiceConfig({});
    expect(logRotationOf(config)).toEqual({ sizeBytes: 50 * 1024 * 1024, keep: 10, interval: "daily" });
  });

  it("read sizes with a unit, k, m or g, in either case", () => {
    expect(["500k", "50m", "1G", " 2m "].map((size) => parseServiceConfig({ LOG_ROTATE_SIZE: size }).LOG_ROTATE_SIZE)).toEqual([
      500 * 1024,
      50 * 1024 ** 2,
      1024 ** 3,
      2 * 1024 ** 2,
    ]);
  });

  it("turn rotation off with LOG_ROTATE=off (an outside tool rotates bots.log)", () => {
    expect(logRotationOf(parseServiceConfig({ LOG_ROTATE: "off" }))).toBeUndefined();
    expect(logRotationOf(parseServiceConfig({ LOG_ROTATE_INTERVAL: "off", LOG_ROTATE_KEEP: "2" }))).toMatchObject({ interval: "off", keep: 2 });
  });

  it.each([
    ["LOG_ROTATE_SIZE", "50"],
    ["LOG_ROTATE_SIZE", "50mb"],
    ["LOG_ROTATE_SIZE", "1.5g"],
    ["LOG_ROTATE_SIZE", "512"],
    ["LOG_ROTATE_SIZE", "0k"],
    ["LOG_ROTATE_SIZE", "2048g"],
    ["LOG_ROTATE_KEEP", "1"],
    ["LOG_ROTATE_KEEP", "1001"],
    ["LOG_ROTATE_INTERVAL", "weekly"],
    ["LOG_ROTATE", "sometimes"],
  ])("refuse %s=%j, naming the variable", (name, value) => {
    expect(() => parseServiceConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => parseServiceConfig({ [name]: value })).toThrow(name);
  });

  it("say what a size looks like", () => {
    expect(() => parseServiceConfig({ LOG_ROTATE_SIZE: "50" })).toThrow('LOG_ROTATE_SIZE="50" is not a size from 1k to 1024g (a whole number and k, m or g: 500k, 50m, 1g)');
  });
});
