// The footer's "Follow on the fediverse" line: a button that copies the blog's address. Without JavaScript (or
// without a clipboard) the button stays hidden and the address is text to select (it selects whole on a click).
for (const button of document.querySelectorAll('button[data-copy]')) {
  const source = document.getElementById(button.dataset.copy)
  const status = button.parentElement && button.parentElement.querySelector('.copy-status')
  if (!source || !window.navigator.clipboard) continue
  button.hidden = false
  button.addEventListener('click', () => {
    window.navigator.clipboard.writeText(source.textContent.trim()).then(
      () => {
        if (status) status.textContent = button.dataset.copied
      },
      () => window.getSelection().selectAllChildren(source),
    )
  })
}
