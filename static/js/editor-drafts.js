// Progressive enhancement of the post editor: nothing typed is lost (issue 29). While the writer types, the form
// is sent to the server as a working copy (POST …/autosave, never the post itself) 5 s after the last keystroke,
// at least every 10 s while typing goes on, and never more often than that; a copy is also kept in this browser
// (localStorage) for when the server cannot be reached. Coming back, the server offers its copy in the page; the
// browser's copy is offered here, the same way, when it is newer than the server's. Without this script, saving
// works as before.
;(function () {
  'use strict'
  var form = document.querySelector('form.post-form')
  if (!form || !window.fetch || !window.localStorage || !window.URLSearchParams) return
  var localStorage = window.localStorage
  var sessionStorage = window.sessionStorage
  var setTimeout = window.setTimeout.bind(window)
  var clearTimeout = window.clearTimeout.bind(window)
  var URLSearchParams = window.URLSearchParams
  var url = form.getAttribute('data-autosave-url')
  var key = 'carnet-draft:' + form.getAttribute('data-draft-key')
  var statusLine = document.getElementById('autosave-status')
  var alertLine = form.querySelector('.autosave-alert')
  var IDLE_MS = 5000
  var MAX_WAIT_MS = 10000
  var FIELDS = ['title', 'slug', 'body', 'format', 'tags', 'signature', 'publishedAt']

  function read() {
    var out = {}
    FIELDS.forEach(function (name) {
      var el = form.elements.namedItem(name)
      if (el) out[name] = el.value
    })
    out['categories[]'] = Array.prototype.filter
      .call(form.querySelectorAll('input[name="categories[]"]'), function (box) {
        return box.checked
      })
      .map(function (box) {
        return box.value
      })
    out.version = form.elements.namedItem('version').value
    return out
  }

  function write(values) {
    FIELDS.forEach(function (name) {
      var el = form.elements.namedItem(name)
      if (el && typeof values[name] === 'string') el.value = values[name]
    })
    var checked = values['categories[]'] || []
    Array.prototype.forEach.call(form.querySelectorAll('input[name="categories[]"]'), function (box) {
      box.checked = checked.indexOf(box.value) !== -1
    })
    if (values.version) form.elements.namedItem('version').value = values.version
  }

  /** The same text (the version the copy was typed over aside). */
  function same(a, b) {
    var x = Object.assign({}, a, { version: '' })
    var y = Object.assign({}, b, { version: '' })
    return JSON.stringify(x) === JSON.stringify(y)
  }

  function loadLocal() {
    try {
      var copy = JSON.parse(localStorage.getItem(key) || 'null')
      return copy && copy.values ? copy : null
    } catch {
      return null
    }
  }

  function keepLocal() {
    try {
      localStorage.setItem(key, JSON.stringify({ values: read(), savedAt: Date.now() }))
    } catch {
      // Storage full or refused: the server's copy remains.
    }
  }

  function say(message, isAlert) {
    if (isAlert) {
      alertLine.textContent = message
      alertLine.hidden = false
    } else {
      alertLine.textContent = ''
      alertLine.hidden = true
      statusLine.textContent = message
    }
  }

  // ---- the server's working copy ----
  var idleTimer = null
  var firstUnsent = 0
  var sending = false
  var again = false
  var lastSent = 0

  function send() {
    clearTimeout(idleTimer)
    idleTimer = null
    if (sending) {
      again = true
      return
    }
    sending = true
    firstUnsent = 0
    lastSent = Date.now()
    var body = new URLSearchParams()
    body.append('_csrf', form.elements.namedItem('_csrf').value)
    var values = read()
    Object.keys(values).forEach(function (name) {
      ;[].concat(values[name]).forEach(function (v) {
        body.append(name, v)
      })
    })
    fetch(url, { method: 'POST', body: body, credentials: 'same-origin', headers: { accept: 'application/json' } })
      .then(function (res) {
        if (res.status === 401 || res.status === 403) return say(form.getAttribute('data-signed-out'), true)
        if (!res.ok) throw new Error(String(res.status))
        return res.json().then(function (json) {
          say(json.label, false)
        })
      })
      .catch(function () {
        say(form.getAttribute('data-autosave-failed'), true)
      })
      .then(function () {
        sending = false
        if (again) {
          again = false
          schedule()
        }
      })
  }

  function schedule() {
    var now = Date.now()
    if (!firstUnsent) firstUnsent = now
    clearTimeout(idleTimer)
    // 5 s after the last keystroke, but no later than 10 s after the first change not yet sent; and never
    // sooner than 10 s after the last copy sent.
    var wait = Math.min(IDLE_MS, firstUnsent + MAX_WAIT_MS - now)
    idleTimer = setTimeout(send, Math.max(0, wait, lastSent + MAX_WAIT_MS - now))
  }

  var localTimer = null
  function changed(event) {
    if (event.target && event.target.type === 'file') return
    clearTimeout(localTimer)
    localTimer = setTimeout(keepLocal, 300)
    schedule()
  }
  form.addEventListener('input', changed)
  form.addEventListener('change', changed)

  // A save sent: once its page says it was saved, the browser's copy has served.
  form.addEventListener('submit', function (event) {
    // The form itself is on its way: no working copy after it.
    clearTimeout(idleTimer)
    clearTimeout(localTimer)
    var button = event.submitter
    if (!button || button.value !== 'preview') sessionStorage.setItem('carnet-submitted', key)
  })
  var submitted = sessionStorage.getItem('carnet-submitted')
  if (submitted && /[?&]done=saved\b/.test(window.location.search)) {
    localStorage.removeItem(submitted)
    sessionStorage.removeItem('carnet-submitted')
  }

  // ---- the browser's copy, offered when it is newer than what the page holds ----
  // Not on a page that came back with what was posted (a conflict, errors, a preview): it holds the text already.
  var copy = form.hasAttribute('data-fresh') ? loadLocal() : null
  if (copy) {
    var current = read()
    var serverOffer = document.getElementById('autosave-offer')
    var serverAt = serverOffer ? Number(serverOffer.getAttribute('data-saved-at')) : 0
    if (same(copy.values, current)) {
      localStorage.removeItem(key)
    } else if (!serverOffer || copy.savedAt > serverAt + 2000) {
      var offer = document.getElementById('local-offer')
      offer.querySelector('.local-offer-time').textContent =
        '(' + new Date(copy.savedAt).toLocaleString(document.documentElement.lang || undefined) + ')'
      offer.hidden = false
      offer.querySelector('.local-restore').addEventListener('click', function () {
        write(copy.values)
        offer.hidden = true
        if (serverOffer) serverOffer.hidden = true
        schedule()
        form.elements.namedItem('body').focus()
      })
      offer.querySelector('.local-discard').addEventListener('click', function () {
        localStorage.removeItem(key)
        offer.hidden = true
      })
    }
  }
})()
