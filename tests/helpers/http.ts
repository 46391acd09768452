/** A JSON call to a started server, as the web client makes it. */
export async function callJson(
  base: string,
  path: string,
  opts: { token?: string; json?: unknown } = {},
  // deno-lint-ignore no-explicit-any
): Promise<{ status: number; body: any }> {
  const res = await fetch(`${base}${path}`, {
    method: opts.json === undefined ? "GET" : "POST",
    headers: {
      ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
      ...(opts.json === undefined ? {} : { "content-type": "application/json" }),
    },
    body: opts.json === undefined ? undefined : JSON.stringify(opts.json),
  });
  const body = await res.json().catch(() => ({}));
  return { status: res.status, body };
}

/** Registers `username` (the tests' password) through the API; throws unless it is created. */
export async function registerUser(base: string, username: string) {
  const r = await callJson(base, "/api/auth/register", {
    json: { username, password: "correct horse battery" },
  });
  if (r.status !== 201) throw new Error(`register ${username}: ${JSON.stringify(r.body)}`);
  return {
    token: r.body.accessToken as string,
    refreshToken: r.body.refreshToken as string,
    id: r.body.user.id as string,
    user: r.body.user,
  };
}
