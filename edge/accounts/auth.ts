/** Password registration and login. */
import { z } from "zod";
import type { SqlStore } from "../../engine/sql/sql.ts";
import { AccountError } from "./errors.ts";
import type { LoginThrottle } from "./login_throttle.ts";
import { hashPassword, PasswordInput, verifyPassword } from "./passwords.ts";
import type { IssuedSession, SessionService } from "./sessions.ts";
import { usernameKey } from "./username_key.ts";
import { createUser, DisplayNameInput, EmailInput, findByUsername, type User } from "./users.ts";
import { languageFromAcceptLanguage, UserLanguageInput } from "./user_language.ts";

export const RegisterInput = z.object({
  username: z.string().regex(/^[A-Za-z0-9_]{3,24}$/, "username: 3-24 of A-Z a-z 0-9 _"),
  password: PasswordInput,
  displayName: DisplayNameInput.optional(),
  /** Kept unverified: it never links accounts until a provider has verified it. */
  email: EmailInput.optional(),
  /** What notifications are written in (the web client sends its language switch's). */
  language: UserLanguageInput.optional(),
}).strict();

export const LoginInput = z.object({
  username: z.string().min(1).max(64),
  password: z.string().min(1).max(128),
}).strict();

export async function register(
  store: SqlStore,
  sessions: SessionService,
  input: z.infer<typeof RegisterInput>,
  /** The request's `Accept-Language`: the language when the body names none (default en). */
  acceptLanguage?: string | null,
): Promise<{ user: User; session: IssuedSession }> {
  const user = await createUser(store, {
    language: input.language ?? languageFromAcceptLanguage(acceptLanguage) ?? "en",
    username: input.username,
    displayName: input.displayName,
    email: input.email ?? null,
    emailVerified: false,
    passwordHash: await hashPassword(input.password),
  });
  return { user, session: await sessions.issue(user) };
}

export async function login(
  store: SqlStore,
  sessions: SessionService,
  input: z.infer<typeof LoginInput>,
  throttle?: LoginThrottle,
): Promise<{ user: User; session: IssuedSession }> {
  const found = await findByUsername(store, input.username);
  // Counted per account once the name is resolved, so no spelling of a name has attempts of
  // its own; names that reach no account are counted by their canonical key (or as typed).
  const attempts = found
    ? `user:${found.user.id}`
    : `name:${usernameKey(input.username) ?? input.username}`;
  throttle?.check(attempts);
  const ok = await verifyPassword(found?.passwordHash ?? null, input.password);
  if (!found || !ok) {
    throttle?.failed(attempts);
    throw new AccountError("invalid_credentials", "wrong username or password");
  }
  throttle?.succeeded(attempts);
  return { user: found.user, session: await sessions.issue(found.user) };
}
