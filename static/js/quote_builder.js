// The quote builder: Enter in a line's seats updates the price instead of saving the quote;
// lines are dragged into another order by their handle (SortableJS), the up/down buttons
// staying for keyboards; after a change to the lines the focus goes where the server says
// (the new line, the moved line's button); "Save draft" is sent once, whatever the double
// clicks.
"use strict";

// A line dropped elsewhere is posted as a line_op "move-<from>-<to>" through the hidden
// #move-line button: the server reorders the lines and prices them, and nothing is saved.
// The fields keep their names while dragged, so the server reads the order before the move.
// htmx (loaded deferred) announces the page, then each swapped-in part, with htmx:load.
document.addEventListener("htmx:load", (event) => {
  event.target.querySelectorAll("[data-sortable]").forEach((list) => {
    Sortable.create(list, {
      handle: ".line-handle",
      animation: 150,
      onEnd: (event) => {
        if (event.oldIndex === event.newIndex) return;
        const move = document.getElementById("move-line");
        move.value = `move-${event.oldIndex}-${event.newIndex}`;
        move.click();
      },
    });
  });
});

document.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && event.target.matches("[data-enter=change]")) {
    event.preventDefault();
    event.target.dispatchEvent(new Event("change", { bubbles: true }));
  }
});

document.addEventListener("htmx:afterSettle", () => {
  const lines = document.getElementById("quote-lines");
  const target = lines && lines.dataset.focus && document.getElementById(lines.dataset.focus);
  if (target) {
    delete lines.dataset.focus;
    target.focus();
  }
});

document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!form.matches("[data-submit-once]")) return;
  if (form.dataset.sent) {
    event.preventDefault();
    return;
  }
  form.dataset.sent = "true";
  if (event.submitter) event.submitter.setAttribute("aria-disabled", "true");
});

// A page brought back by the browser's Back button may be sent again.
window.addEventListener("pageshow", () => {
  document.querySelectorAll("[data-submit-once]").forEach((form) => delete form.dataset.sent);
});
