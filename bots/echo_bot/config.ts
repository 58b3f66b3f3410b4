// EchoBot: one handler and no fallback file, so the engine adds its echo handler.
// Token and internal key come from this folder's .env (see .env.example).
export const BOT_NAME = "EchoBot";
