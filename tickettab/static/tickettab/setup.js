// The set-up page ticks steps that happen in Halo (the tab opened, a caller verified)
// without a reload by hand: while it waits for one, it asks every 5 seconds which
// step the workspace is at, and reloads when that changed. No framework, no build.
const progress = document.querySelector("#setup-progress[data-poll]");
if (progress) {
  const started = Date.now();
  const check = async () => {
    // An open page left for an hour stops asking; a reload starts it again.
    if (Date.now() - started > 60 * 60 * 1000) return;
    try {
      const reply = await fetch(progress.dataset.poll, { headers: { Accept: "application/json" } });
      if (reply.ok) {
        const state = await reply.json();
        if (state.current !== progress.dataset.current) {
          window.location.reload();
          return;
        }
      }
    } catch {
      // Offline for a moment: try again at the next tick.
    }
    setTimeout(check, 5000);
  };
  setTimeout(check, 5000);
}
