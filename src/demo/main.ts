/** Entry point of `npm run demo` (see run-demo.ts). */
import path from "node:path";
import { readServiceEnv } from "../settings/read-env.ts";
import { registerBotModuleResolver } from "../bots/register-bot-module-resolver.ts";
import { runDemo } from "./run-demo.ts";

const botsDir = readServiceEnv().BOTS_DIR ?? path.resolve("bots");
await runDemo({ botsDir, print: (line = "") => process.stdout.write(`${line}\n`), prepareFolder: registerBotModuleResolver });
