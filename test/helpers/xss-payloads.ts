// One corpus of script-injection attempts for every test that feeds them to the forms (HTTP and browser).

/** For any text field: markup, handlers, template syntax of this engine and of others. */
export const XSS_PAYLOADS = [
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '"><svg onload=alert(1)>',
  "'><svg/onload=alert(1)>",
  'javascript:alert(1)',
  '</textarea><script>alert(1)</script>',
  '</title><script>alert(1)</script>',
  '<iframe src="javascript:alert(1)"></iframe>',
  '" onfocus="alert(1)" autofocus="',
  '<style>body{display:none}</style>',
  '<a href="javascript:alert(1)">clic</a>',
  '<% it.x = process.exit(1) %><%= 7*7 %>',
  '{{constructor.constructor("alert(1)")()}}',
  '<details open ontoggle=alert(1)>',
]

/** For a website field: addresses that try to break out of the link they become. */
export const URL_XSS_PAYLOADS = [
  'https://example.org/"><img src=x onerror=alert(1)>',
  "https://example.org/'onmouseover='alert(1)",
  'javascript:alert(1)',
]
