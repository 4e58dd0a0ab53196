// Progressive enhancement of the post editor: an image dropped on the text or pasted into it is uploaded at
// once (POST /admin/media, the CSRF token in a header) and its Markdown inserted where the caret is. Without
// this script the file input and its button do the same through the server.
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

  function say(text, isError) {
    status.textContent = text
    status.classList.toggle('field-error', !!isError)
  }

  function insert(markdown) {
    var start = body.selectionStart
    var end = body.selectionEnd
    var before = body.value.slice(0, start)
    var after = body.value.slice(end)
    var text = (before && !/\n\n$/.test(before) ? (/\n$/.test(before) ? '\n' : '\n\n') : '') + markdown + '\n\n'
    body.value = before + text + after.replace(/^\n+/, '')
    body.selectionStart = body.selectionEnd = before.length + text.length
    body.dispatchEvent(new Event('input', { bubbles: true }))
  }

  function upload(files) {
    var images = Array.prototype.filter.call(files, function (f) {
      return f.type.indexOf('image/') === 0
    })
    if (!images.length) return false
    var data = new FormData()
    data.append('imageAlt', altInput ? altInput.value : '')
    if (decorative && decorative.checked) data.append('imageDecorative', '1')
    images.forEach(function (f) {
      data.append('images', f, f.name || 'image')
    })
    say(fieldset.getAttribute('data-uploading') || '…')
    fetch(fieldset.getAttribute('data-upload-url'), {
      method: 'POST',
      body: data,
      credentials: 'same-origin',
      headers: { 'x-csrf-token': token, accept: 'application/json' },
    })
      .then(function (res) {
        return res.json().then(function (json) {
          return { ok: res.ok, json: json }
        })
      })
      .then(function (r) {
        if (r.json.markdown) r.json.markdown.forEach(insert)
        // The alt text went with this image; the next one needs its own.
        if (r.ok && altInput) altInput.value = ''
        if (r.ok && decorative) decorative.checked = false
        say(r.ok ? r.json.message : r.json.error, !r.ok)
      })
      .catch(function () {
        say(fieldset.getAttribute('data-failed') || 'Error', true)
      })
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
