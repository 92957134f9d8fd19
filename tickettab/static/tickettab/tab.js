// The tab's only state: its tab token, sent as X-Tab-Token on every HTMX request.
// Kept in sessionStorage per tab key when the browser allows it (third-party
// storage may be blocked inside Halo's page); in memory otherwise. No cookies.
(() => {
  const root = document.getElementById("tab-root");
  if (!root) return;
  const base = root.dataset.base;
  const storageKey = "msp-process-tab:" + base;
  const storage = {
    get() { try { return sessionStorage.getItem(storageKey) || ""; } catch { return ""; } },
    set(v) { try { sessionStorage.setItem(storageKey, v); } catch { /* blocked: memory only */ } },
    clear() { try { sessionStorage.removeItem(storageKey); } catch { /* blocked */ } },
  };
  let token = root.dataset.token || (root.dataset.mode === "signin" ? storage.get() : "");
  if (root.dataset.token) storage.set(token);

  const signin = document.getElementById("signin");
  const ticket = document.getElementById("ticket");

  document.body.addEventListener("htmx:configRequest", (e) => {
    if (token) e.detail.headers["X-Tab-Token"] = token;
  });
  // Show our error partials (401, 4xx, 5xx) instead of HTMX's silence.
  document.body.addEventListener("htmx:beforeSwap", (e) => {
    const status = e.detail.xhr.status;
    if (status === 401) {
      storage.clear();
      token = "";
      if (root.dataset.mode === "signin") {
        e.detail.shouldSwap = false;
        showSignin("Your session ended. Sign in again.");
        return;
      }
    }
    if (status >= 400) {
      e.detail.shouldSwap = true;
      e.detail.isError = false;
    }
  });
  document.body.addEventListener("htmx:sendError", () => {
    const box = document.getElementById("tab-error") || ticket;
    box.innerHTML = '<p class="notice error" role="alert">MSP Process could not be reached. Check your connection and try again.</p>';
  });
  document.body.addEventListener("click", (e) => {
    if (e.target.closest("[data-reload]")) window.location.reload();
  });

  // No form of the tab ever submits natively: htmx (or the sign-in handler) sends
  // them. A form swapped in but not yet processed by htmx (Enter pressed mid-swap)
  // would otherwise navigate the frame away; then the technician just presses again.
  document.addEventListener("submit", (e) => {
    if (root.contains(e.target)) e.preventDefault();
  });

  // The resend wait (#panel's data-cooldown, in seconds) is per contact across every
  // method: every send button stays disabled, and the note counts down, until it ends.
  // Buttons disabled for the contact's own reasons (data-unavailable) stay disabled.
  let cooldownEnd = 0;
  let cooldownTimer = 0;
  let sending = false;

  function secondsLeft() {
    return Math.max(0, Math.ceil((cooldownEnd - performance.now()) / 1000));
  }

  function paintCooldown() {
    const left = secondsLeft();
    for (const button of document.querySelectorAll("[data-send]")) {
      button.disabled = sending || left > 0 || button.hasAttribute("data-unavailable");
    }
    const note = document.getElementById("cooldown");
    if (note) {
      const count = note.querySelector("[data-countdown]");
      if (count) count.textContent = String(left);
      note.hidden = left === 0;
    }
    if (left === 0 && cooldownTimer) {
      clearInterval(cooldownTimer);
      cooldownTimer = 0;
    }
  }

  function startCooldown() {
    const panel = document.getElementById("panel");
    const seconds = panel ? parseInt(panel.dataset.cooldown || "0", 10) || 0 : 0;
    cooldownEnd = performance.now() + seconds * 1000;
    if (seconds > 0 && !cooldownTimer) cooldownTimer = setInterval(paintCooldown, 250);
    paintCooldown();
  }

  document.body.addEventListener("htmx:beforeRequest", (e) => {
    if (e.detail.elt.closest && e.detail.elt.closest("[data-send]")) {
      sending = true;  // one send at a time, whichever button
      paintCooldown();
    }
  });
  document.body.addEventListener("htmx:afterRequest", (e) => {
    if (e.detail.elt.closest && e.detail.elt.closest("[data-send]")) sending = false;
    paintCooldown();
  });
  // Each new panel (a send, a check, the link's poll, the ticket) carries the wait anew.
  document.body.addEventListener("htmx:afterSettle", startCooldown);

  function loadTicket() {
    signin.hidden = true;
    ticket.hidden = false;
    const id = encodeURIComponent(root.dataset.ticketId || "");
    htmx.ajax("GET", base + "ticket/?ticket_id=" + id, { target: "#ticket", swap: "innerHTML" });
  }

  function showSignin(message) {
    ticket.hidden = true;
    signin.hidden = false;
    const error = document.getElementById("signin-error");
    error.textContent = message || "";
    error.hidden = !message;
    document.getElementById("signin-username").focus();
  }

  document.getElementById("signin-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const form = e.target;
    const button = form.querySelector("button");
    button.disabled = true;
    try {
      const reply = await fetch(form.action, { method: "POST", body: new FormData(form), credentials: "omit" });
      const data = await reply.json();
      if (!reply.ok) { showSignin(data.error || "Sign-in failed."); return; }
      token = data.token;
      storage.set(token);
      document.getElementById("tab-who").textContent = data.name;
      form.reset();
      loadTicket();
    } catch {
      showSignin("MSP Process could not be reached. Try again.");
    } finally {
      button.disabled = false;
    }
  });

  // Halo may load a custom tab's iframe before the agent opens the tab: read the
  // ticket from Halo only once the tab can be seen, so a hidden tab costs no Halo call.
  function whenShown(callback) {
    if (!("IntersectionObserver" in window)) { callback(); return; }
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((entry) => entry.isIntersecting)) {
        observer.disconnect();
        callback();
      }
    });
    observer.observe(root);
  }

  if (token) whenShown(loadTicket);
  else if (root.dataset.mode === "signin") showSignin("");
  else ticket.innerHTML = '<p class="notice error">This tab could not start. Reload the ticket in Halo.</p>';
})();
