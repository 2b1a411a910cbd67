// A confirmation before an action that cannot be undone: a form with data-confirm (the
// question) and data-confirm-label (the confirming button) opens an accessible <dialog>
// first: focus on "Cancel", Escape cancels, the focus returns to the button pressed. Without
// JavaScript the form posts as it is, and its service still refuses what is not allowed.
"use strict";

(() => {
  let dialog;

  function build() {
    dialog = document.createElement("dialog");
    dialog.className = "confirm-dialog";
    dialog.setAttribute("aria-labelledby", "confirm-title");
    dialog.setAttribute("aria-describedby", "confirm-message");
    dialog.innerHTML = `
      <form method="dialog">
        <h2 class="h5" id="confirm-title">Please confirm</h2>
        <p id="confirm-message"></p>
        <div class="d-flex justify-content-end gap-2">
          <button class="btn btn-outline-secondary" value="cancel" autofocus>Cancel</button>
          <button class="btn btn-danger" value="confirm" id="confirm-button"></button>
        </div>
      </form>`;
    document.body.append(dialog);
  }

  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!form.dataset.confirm || form.dataset.confirmed) return;
    event.preventDefault();
    if (!dialog) build();
    const submitter = event.submitter;
    dialog.querySelector("#confirm-message").textContent = form.dataset.confirm;
    dialog.querySelector("#confirm-button").textContent =
      form.dataset.confirmLabel || "Confirm";
    dialog.returnValue = "";
    dialog.addEventListener(
      "close",
      () => {
        if (dialog.returnValue === "confirm") {
          form.dataset.confirmed = "true";
          if (form.dataset.confirmMethod === "post") {
            // The confirm page's own POST, now that the dialog has asked.
            form.method = "post";
            form.querySelector("[name=csrfmiddlewaretoken]").disabled = false;
          }
          form.requestSubmit(submitter);
        } else if (submitter) {
          submitter.focus();
        }
      },
      { once: true },
    );
    dialog.showModal();
  });

  // A page brought back by the browser's Back button asks again.
  window.addEventListener("pageshow", () => {
    document.querySelectorAll("[data-confirmed]").forEach((form) => delete form.dataset.confirmed);
  });
})();
