/**
 * What a browser gets for a redeemed sign-in link: the session key in a meta element, and a script
 * (served from our own origin, as the CSP allows no inline script) that keeps it in the page's
 * sessionStorage (per origin, so per port) and moves on to the app. A navigation the page itself
 * starts is same-site, so the SameSite=Strict cookie goes with it even when the link was opened
 * from a file (`vigil serve` hands the browser a 0600 file, never the token on a command line).
 */
export const SIGN_IN_SCRIPT_PATH = '/auth/complete.js';
export const SESSION_STORAGE_KEY = 'vigil.sessionKey';

export const SIGN_IN_SCRIPT = `(function () {
  var meta = document.querySelector('meta[name="vigil-session-key"]');
  if (meta) sessionStorage.setItem(${JSON.stringify(SESSION_STORAGE_KEY)}, meta.getAttribute('content') || '');
  location.replace('/');
})();
`;

/** The key is base64url (checked by the caller), so it needs no escaping inside the attribute. */
export const signInPage = (key: string): string =>
  `<!doctype html><html><head><meta charset="utf-8"><meta name="vigil-session-key" content="${key}">` +
  `<title>Vigil</title><script src="${SIGN_IN_SCRIPT_PATH}"></script></head><body></body></html>`;

/**
 * The 0600 file `vigil serve` opens in the browser: it sends the token to the bridge in a form
 * post, so the token never appears on a command line (xdg-open's arguments are readable by every
 * local user) and never in the browser's history.
 */
export const signInFile = (url: string, token: string): string =>
  `<!doctype html><html><head><meta charset="utf-8"><title>Vigil sign-in</title></head>` +
  `<body onload="document.forms[0].submit()"><form method="post" action="${url}/auth">` +
  `<input type="hidden" name="token" value="${token}"><noscript><button>Sign in to Vigil</button></noscript>` +
  `</form></body></html>`;
