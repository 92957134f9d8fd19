// Copy and reveal buttons (the integration, set-up and sign-up pages). No framework, no build step.
document.addEventListener("click", async (event) => {
  const copy = event.target.closest("[data-copy]");
  if (copy) {
    const input = document.querySelector(copy.dataset.copy);
    try {
      await navigator.clipboard.writeText(input.value);
    } catch {
      // Clipboard API refused (plain http, old browser): fall back to a selection copy.
      const type = input.type;
      input.type = "text";
      input.select();
      document.execCommand("copy");
      input.type = type;
    }
    const label = copy.textContent;
    copy.textContent = "Copied";
    setTimeout(() => { copy.textContent = label; }, 1500);
    return;
  }
  const reveal = event.target.closest("[data-reveal]");
  if (reveal) {
    const input = document.querySelector(reveal.dataset.reveal);
    const shown = input.type === "text";
    input.type = shown ? "password" : "text";
    reveal.textContent = shown ? "Show" : "Hide";
    reveal.setAttribute("aria-pressed", String(!shown));
  }
});
