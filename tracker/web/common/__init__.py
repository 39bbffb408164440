"""What every page uses: sign-in and sessions (auth), the account page (account), errors,
security headers, rate limits, JSON bodies, absolute links and safe redirects (urls), charts,
form helpers, reasons and audit words in the page's language, mail composing (mailer)."""
