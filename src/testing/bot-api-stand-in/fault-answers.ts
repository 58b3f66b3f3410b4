/**
 * How each kind of injected fault is answered: as Telegram or the network would, so that grammY
 * raises what it raises in production (GrammyError for Telegram's errors, HttpError for an HTML
 * page or a dropped connection).
 */
import type { BotCallExchange } from "./bot-call-exchange.ts";
import type { Fault } from "./fault-rules.ts";
import type { Shutdown } from "./shutdown.ts";
import { telegramError } from "./telegram-answers.ts";

const SERVER_ERROR_DESCRIPTIONS: Record<number, string> = {
  500: "Internal Server Error",
  501: "Not Implemented",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

/**
 * Answers the call as `fault` says. Returns false when the call is still to be answered normally
 * (a delay that ran out), true when the fault ended it.
 */
export async function answerFault(fault: Fault, exchange: BotCallExchange, shutdown: Shutdown): Promise<boolean> {
  switch (fault.kind) {
    case "too-many-requests": {
      const { status, body } = telegramError(429, `Too Many Requests: retry after ${fault.retryAfterSeconds}`, {
        retry_after: fault.retryAfterSeconds,
      });
      exchange.answer(status, body);
      return true;
    }
    case "server-error": {
      const status = fault.status ?? 500;
      const { body } = telegramError(status, SERVER_ERROR_DESCRIPTIONS[status] ?? "Server Error");
      exchange.answer(status, body);
      return true;
    }
    case "non-json":
      answerProxyPage(exchange, fault.status ?? 502);
      return true;
    case "delay":
      await shutdown.sleep(fault.ms);
      return shutdown.closed;
    case "drop-connection":
      exchange.req.socket.destroy();
      return true;
    case "telegram-error": {
      const status = fault.errorCode >= 400 && fault.errorCode <= 599 ? fault.errorCode : 400;
      const { body } = telegramError(fault.errorCode, fault.description, fault.parameters);
      exchange.answer(status, body);
      return true;
    }
  }
}

/** What a reverse proxy in front of the Bot API answers when the backend is gone. */
function answerProxyPage(exchange: BotCallExchange, status: number): void {
  exchange.call.status = status;
  const title = `${status} ${SERVER_ERROR_DESCRIPTIONS[status] ?? "Bad Gateway"}`;
  const html = `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`;
  exchange.res.writeHead(status, { "content-type": "text/html", "content-length": Buffer.byteLength(html) });
  exchange.res.end(html);
}
