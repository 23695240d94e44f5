// Instant filtering of the case-study list, as progressive enhancement: without this script
// the filter chips are plain links to the niche and service pages. With it they become toggle
// buttons that show only the matching cards (data-niche, data-services) and keep the choice in
// the address (?niche=...&service=...) so a filtered list can be shared.
(() => {
  const nav = document.querySelector("[data-filters]");
  const list = document.querySelector("[data-filter-list]");
  if (!nav || !list) return;
  const cards = Array.from(list.children);
  const status = nav.querySelector("[data-filter-status]");
  const params = new URLSearchParams(location.search);
  const active = { niche: params.get("niche"), service: params.get("service") };
  const buttons = Array.from(nav.querySelectorAll("a[data-filter]"), (link) => {
    const button = document.createElement("button");
    button.type = "button";
    button.className = link.className;
    button.textContent = link.textContent;
    button.dataset.filter = link.dataset.filter;
    button.dataset.value = link.dataset.value;
    link.replaceWith(button);
    return button;
  });

  function apply() {
    let shown = 0;
    for (const card of cards) {
      const match = (!active.niche || card.dataset.niche.split(" ").includes(active.niche)) &&
        (!active.service || card.dataset.services.split(" ").includes(active.service));
      card.hidden = !match;
      if (match) shown += 1;
    }
    for (const button of buttons) {
      button.setAttribute("aria-pressed", String(active[button.dataset.filter] === button.dataset.value));
    }
    const filtered = active.niche || active.service;
    status.textContent = filtered ? `Showing ${shown} of ${cards.length} case studies` : "";
    const query = new URLSearchParams();
    for (const key of ["niche", "service"]) if (active[key]) query.set(key, active[key]);
    history.replaceState(null, "", query.size ? `?${query}` : location.pathname);
  }

  nav.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-filter]");
    if (!button) return;
    const key = button.dataset.filter;
    active[key] = active[key] === button.dataset.value ? null : button.dataset.value;
    apply();
  });
  nav.classList.add("is-enhanced");
  apply();
})();
