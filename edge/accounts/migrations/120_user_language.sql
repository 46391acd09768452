-- The language a user reads notifications in (push, e-mail): zh-CN or en. Set at sign-up
-- from the web client's language switch or the request's Accept-Language, changed through
-- PUT /api/me/language; null for accounts made before it (filled from Accept-Language the next
-- time they sign in or open the web client).
ALTER TABLE users ADD COLUMN language text CHECK (language IN ('zh-CN', 'en'));
