// The bot's word list and quiz logic. Kept apart from the handlers so they stay thin.
export interface Word {
  word: string;
  meaning: string;
  example: string;
}

const WORDS: readonly Word[] = [
  { word: "resilient", meaning: "able to recover quickly", example: "The service is resilient to restarts." },
  { word: "concise", meaning: "short and clear", example: "Keep your commit messages concise." },
  { word: "meticulous", meaning: "very careful about details", example: "She is meticulous about tests." },
  { word: "ubiquitous", meaning: "found everywhere", example: "Smartphones are ubiquitous." },
  { word: "candid", meaning: "honest and direct", example: "Thanks for the candid review." },
];

/** The word of a given day: the same all day, a new one tomorrow. */
export function wordOfTheDay(date = new Date()): Word {
  const day = Math.floor(date.getTime() / 86_400_000);
  return WORDS[day % WORDS.length] ?? WORDS[0]!;
}

export function findWord(text: string): Word | undefined {
  const needle = text.trim().toLowerCase();
  return WORDS.find((w) => w.word === needle);
}

export function quizQuestion(index: number): { prompt: string; answer: string } {
  const word = WORDS[index % WORDS.length] ?? WORDS[0]!;
  return { prompt: `Which word means "${word.meaning}"?`, answer: word.word };
}
