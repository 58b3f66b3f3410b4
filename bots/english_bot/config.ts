// EnglishBot: an English-practice bot. The name is public and lives here; the token and the
// internal key are secrets and come from this folder's .env (see .env.example).
export const BOT_NAME = "EnglishBot";
