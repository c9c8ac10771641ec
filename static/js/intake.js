// Intake form: add/remove party rows without losing what was typed, the repeat-visit check,
// and a submit button that cannot be pressed twice.
(function () {
  "use strict";
  var form = document.getElementById("intake-form");
  if (!form) return;
  var rows = document.getElementById("party-rows");
  var total = form.querySelector("input[name='parties-TOTAL_FORMS']");
  var template = document.getElementById("party-template");

  document.getElementById("add-party").addEventListener("click", function () {
    var index = parseInt(total.value, 10);
    var html = template.innerHTML.replace(/__prefix__/g, String(index));
    rows.insertAdjacentHTML("beforeend", html);
    total.value = String(index + 1);
    var added = rows.lastElementChild.querySelector("input[type=text]");
    if (added) added.focus();
  });

  rows.addEventListener("click", function (event) {
    if (!event.target.classList.contains("remove-party")) return;
    var row = event.target.closest(".party-row");
    var visible = rows.querySelectorAll(".party-row:not([hidden])").length;
    if (visible <= 1) return;  // at least one party
    var del = row.querySelector("input[name$='-DELETE']");
    if (del) del.checked = true;
    row.hidden = true;
    row.querySelectorAll(".person-key").forEach(function (input) { input.classList.remove("person-key"); });
    document.body.dispatchEvent(new Event("person-changed"));
  });

  rows.addEventListener("change", function (event) {
    if (event.target.classList.contains("person-key")) {
      document.body.dispatchEvent(new Event("person-changed"));
    }
  });

  var choice = document.getElementById("visit-choice");
  var visitField = form.querySelector("input[name='visit_case']");
  function showChoice(code, display) {
    visitField.value = code;
    document.getElementById("visit-choice-code").textContent = display;
    choice.hidden = !code;
  }
  document.getElementById("history").addEventListener("click", function (event) {
    var button = event.target.closest(".choose-visit");
    if (button) showChoice(button.dataset.code, button.dataset.display);
  });
  document.getElementById("visit-choice-clear").addEventListener("click", function () { showChoice("", ""); });
  if (visitField.value) showChoice(visitField.value, visitField.value);

  form.addEventListener("submit", function () {
    var button = document.getElementById("submit-intake");
    setTimeout(function () { button.disabled = true; }, 0);
  });
  // After a rejected submit the typed people are back: check them again once htmx is ready.
  window.addEventListener("load", function () {
    var typed = Array.prototype.some.call(form.querySelectorAll(".person-key"), function (i) { return i.value; });
    if (typed) document.body.dispatchEvent(new Event("person-changed"));
  });
})();
