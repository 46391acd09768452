/** Stable error codes of accounts, sessions, OAuth, follows and rooms, with their HTTP status. */
export const ACCOUNT_ERRORS = {
  invalid_request: 400,
  username_taken: 409,
  invalid_credentials: 401,
  too_many_attempts: 429,
  account_banned: 403,
  // access tokens
  token_missing: 401,
  token_malformed: 401,
  token_unsupported_alg: 401,
  token_bad_signature: 401,
  token_expired: 401,
  token_not_yet_valid: 401,
  token_bad_claims: 401,
  session_revoked: 401,
  login_required: 401,
  // refresh tokens
  refresh_invalid: 401,
  refresh_expired: 401,
  refresh_revoked: 401,
  refresh_reused: 401,
  // OAuth
  oauth_unknown_provider: 404,
  oauth_not_configured: 503,
  oauth_state_mismatch: 400,
  oauth_denied: 400,
  oauth_provider_error: 502,
  oauth_already_linked: 409,
  // community
  forbidden: 403,
  unknown_user: 404,
  unknown_room: 404,
  room_taken: 409,
  room_limit: 409,
  room_has_history: 409,
  cannot_follow_self: 400,
  too_many_reports: 429,
  // platform roles
  unknown_role: 400,
  role_not_grantable: 400,
  last_admin: 409,
} as const;

export type AccountErrorCode = keyof typeof ACCOUNT_ERRORS;

export class AccountError extends Error {
  constructor(readonly code: AccountErrorCode, message: string) {
    super(message);
    this.name = "AccountError";
  }
  get status(): number {
    return ACCOUNT_ERRORS[this.code];
  }
}
