// The page's one way to talk to the API: JSON in and out, the API key when one was typed, and
// every failure (even an unreachable server) turned into an answer with a `message`.

import { $ } from "./dom.js";

export async function callApi(method, path, body) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const key = $("api-key").value.trim();
  if (key) headers["X-API-Key"] = key;
  try {
    const response = await fetch(path, { method, headers, body: body && JSON.stringify(body) });
    const answer = await response.json().catch(() => ({
      message: `the server answered ${response.status} ${response.statusText}`,
    }));
    return { status: response.status, body: answer };
  } catch {
    return { status: 0, body: { message: "The server could not be reached." } };
  }
}
