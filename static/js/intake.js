// Intake form: add/remove party rows without losing what was typed, the repeat-visit check,
// the return-visit mode (only the visit's fields), keyboard use (Enter in a party row adds the
// next party, focus on the first field or the first error), and a submit button that cannot be
// pressed twice.
(function () {
  "use strict";
  var form = document.getElementById("intake-form");
  if (!form) return;
  var rows = document.getElementById("party-rows");
  var total = form.querySelector("input[name='parties-TOTAL_FORMS']");
  var template = document.getElementById("party-template");
  var submit = document.getElementById("submit-intake");

  function firstInput(container) {
    return container.querySelector("input:not([type=hidden]):not([type=checkbox]), select, textarea");
  }

  function addParty() {
    var index = parseInt(total.value, 10);
    var html = template.innerHTML.replace(/__prefix__/g, String(index));
    rows.insertAdjacentHTML("beforeend", html);
    total.value = String(index + 1);
    var added = rows.lastElementChild.querySelector("input[type=text]");
    if (added) added.focus();
  }
  document.getElementById("add-party").addEventListener("click", addParty);

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

  // Enter in a party row: on to the next party (a new row after the last one) instead of
  // submitting. An empty last row means the parties are done: on to the matter (or the visit).
  rows.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || event.isComposing) return;
    var target = event.target;
    if (!(target instanceof HTMLInputElement || target instanceof HTMLSelectElement)) return;
    var row = target.closest(".party-row");
    if (!row) return;
    event.preventDefault();
    var visible = Array.prototype.filter.call(rows.querySelectorAll(".party-row"), function (r) { return !r.hidden; });
    var next = visible[visible.indexOf(row) + 1];
    if (next) {
      firstInput(next).focus();
    } else if (row.querySelector("input[name$='-name']").value.trim()) {
      addParty();
    } else {
      var section = document.getElementById(visitField.value ? "visit-fields" : "case-fields");
      firstInput(section).focus();
    }
  });

  var choice = document.getElementById("visit-choice");
  var visitField = form.querySelector("input[name='visit_case']");
  var caseFields = document.getElementById("case-fields");
  var visitFields = document.getElementById("visit-fields");
  // A disabled fieldset's fields are not sent: a visit posts only what the visit needs.
  function showChoice(code, display) {
    visitField.value = code;
    document.getElementById("visit-choice-code").textContent = display;
    choice.hidden = !code;
    caseFields.hidden = caseFields.disabled = !!code;
    visitFields.hidden = visitFields.disabled = !code;
    submit.textContent = code ? submit.dataset.visitLabel : submit.dataset.caseLabel;
  }
  document.getElementById("history").addEventListener("click", function (event) {
    var button = event.target.closest(".choose-visit");
    if (!button) return;
    showChoice(button.dataset.code, button.dataset.display);
    firstInput(visitFields).focus();
  });
  document.getElementById("visit-choice-clear").addEventListener("click", function () {
    showChoice("", "");
    firstInput(caseFields).focus();
  });
  if (visitField.value) showChoice(visitField.value, visitField.value);

  // Where the typing starts: the first field with an error after a rejected submit, else the
  // first party's name.
  var invalid = form.querySelector(
    ".has-error input:not([type=hidden]), .has-error select, .has-error textarea"
  );
  (invalid || firstInput(rows)).focus();

  form.addEventListener("submit", function () {
    setTimeout(function () { submit.disabled = true; }, 0);
  });
  // After a rejected submit the typed people are back: check them again once htmx is ready.
  window.addEventListener("load", function () {
    var typed = Array.prototype.some.call(form.querySelectorAll(".person-key"), function (i) { return i.value; });
    if (typed) document.body.dispatchEvent(new Event("person-changed"));
  });
})();
