// Progressive enhancement of the post editor: an image dropped on the text or pasted into it is uploaded at
// once (POST /admin/media, the CSRF token in a header) and its Markdown inserted where the caret is. Without
// this script the file input and its button do the same through the server.
//
// Several images go one request each, one after the other ("image 2 of 5"); then the script asks the server
// where their other sizes stand (GET /admin/media?progress=<file>, in JSON) until they are ready. A file over the limit is refused here, before it is sent;
// an answer that is not JSON (a proxy's own 413 or 502 page) is told apart by its status.
;(function () {
  'use strict'
  var fieldset = document.getElementById('images-fieldset')
  var body = document.getElementById('body')
  var form = body && body.form
  if (!fieldset || !body || !form || !window.fetch || !window.FormData) return
  var status = fieldset.querySelector('.upload-status')
  var altInput = document.getElementById('imageAlt')
  var decorative = form.querySelector('input[name="imageDecorative"]')
  var token = form.querySelector('input[name="_csrf"]').value
  var hint = fieldset.querySelector('.js-only')
  if (hint) hint.hidden = false
  // The limit is shown rounded to a tenth of a megabyte: only a file surely over it is refused here.
  var maxBytes = (Number(fieldset.getAttribute('data-max-mb')) + 0.05) * 1024 * 1024 || Infinity
  var busy = false

  function text(name, fallback) {
    return fieldset.getAttribute('data-' + name) || fallback
  }

  function say(message, isError) {
    status.textContent = message
    status.classList.toggle('field-error', !!isError)
  }

  function insert(markdown) {
    var start = body.selectionStart
    var end = body.selectionEnd
    var before = body.value.slice(0, start)
    var after = body.value.slice(end)
    var added = (before && !/\n\n$/.test(before) ? (/\n$/.test(before) ? '\n' : '\n\n') : '') + markdown + '\n\n'
    body.value = before + added + after.replace(/^\n+/, '')
    body.selectionStart = body.selectionEnd = before.length + added.length
    body.dispatchEvent(new Event('input', { bubbles: true }))
  }

  /** The server's JSON, or, for any other answer, a message made from its status. */
  function read(res) {
    return res.text().then(function (raw) {
      var json
      try {
        json = JSON.parse(raw)
      } catch {
        json = null
      }
      if (json && typeof json === 'object') return { ok: res.ok, json: json }
      var error =
        res.status === 413 ? text('too-large', 'Too large') : text('refused', 'Refused ({status})').replace('{status}', res.status)
      return { ok: false, json: { error: error } }
    })
  }

  function sendOne(file, alt, isDecorative) {
    var data = new FormData()
    data.append('imageAlt', alt)
    if (isDecorative) data.append('imageDecorative', '1')
    data.append('images', file, file.name || 'image')
    return fetch(fieldset.getAttribute('data-upload-url'), {
      method: 'POST',
      body: data,
      credentials: 'same-origin',
      headers: { 'x-csrf-token': token, accept: 'application/json' },
    }).then(read)
  }

  /** Asks where the uploaded images stand until they are all ready, saying it each time. */
  function follow(names) {
    var query = names
      .map(function (n) {
        return 'progress=' + encodeURIComponent(n)
      })
      .join('&')
    fetch(fieldset.getAttribute('data-progress-url') + '?' + query, { credentials: 'same-origin', headers: { accept: 'application/json' } })
      .then(read)
      .then(function (r) {
        if (!r.ok) return
        say(r.json.message)
        if (!r.json.ready) window.setTimeout(follow, 1500, names)
      })
      .catch(function () {})
  }

  function upload(files) {
    var images = Array.prototype.filter.call(files, function (f) {
      return f.type.indexOf('image/') === 0
    })
    if (!images.length) return false
    if (busy) return true
    var tooLarge = images.filter(function (f) {
      return f.size > maxBytes
    })
    if (tooLarge.length) {
      say(text('too-large', 'Too large') + ' (' + tooLarge[0].name + ')', true)
      return true
    }
    // The alt text goes with these images; the next ones need their own.
    var alt = altInput ? altInput.value : ''
    var isDecorative = !!(decorative && decorative.checked)
    var names = []
    var lastMessage = ''
    busy = true
    function next(i) {
      if (i >= images.length) {
        busy = false
        if (altInput) altInput.value = ''
        if (decorative) decorative.checked = false
        say(lastMessage)
        if (names.length) window.setTimeout(follow, 1500, names)
        return
      }
      say(
        images.length > 1
          ? text('uploading-of', '{n}/{total}')
              .replace('{n}', i + 1)
              .replace('{total}', images.length)
          : text('uploading', '…'),
      )
      sendOne(images[i], alt, isDecorative)
        .then(function (r) {
          if (r.json.markdown) r.json.markdown.forEach(insert)
          if (r.json.names) names = names.concat(r.json.names)
          if (!r.ok) {
            busy = false
            say(r.json.error, true)
            return
          }
          lastMessage = r.json.message
          next(i + 1)
        })
        .catch(function () {
          busy = false
          say(text('failed', 'Error'), true)
        })
    }
    next(0)
    return true
  }

  body.addEventListener('dragover', function (e) {
    if (e.dataTransfer && Array.prototype.indexOf.call(e.dataTransfer.types, 'Files') >= 0) e.preventDefault()
  })
  body.addEventListener('drop', function (e) {
    if (e.dataTransfer && e.dataTransfer.files.length && upload(e.dataTransfer.files)) e.preventDefault()
  })
  body.addEventListener('paste', function (e) {
    if (e.clipboardData && e.clipboardData.files.length && upload(e.clipboardData.files)) e.preventDefault()
  })
})()
