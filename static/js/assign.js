// Assign form (交办): choosing a service package proposes its lead and co-departments.
// The coordinator may change them; without JavaScript the form works as before. The deadline
// preview is htmx's (hx-get on #assign-preview); this listener runs first (capture), so the
// preview request already carries the proposed departments.
(function () {
  "use strict";

  function labelOf(input) {
    var label = input.closest("label");
    return label ? label.textContent.trim() : input.value;
  }

  function propose(select) {
    var form = select.form;
    var option = select.options[select.selectedIndex];
    var hint = document.getElementById("package-proposal");
    var lead = option ? option.getAttribute("data-lead") || "" : "";
    var co = option && option.getAttribute("data-co") ? option.getAttribute("data-co").split(",") : [];
    var leadSelect = form.querySelector("select[name='assign-lead_department']");
    var boxes = form.querySelectorAll("input[name='assign-co_departments']");
    // Undo the previous package's proposal, not what the coordinator ticked by hand.
    boxes.forEach(function (box) {
      if (box.getAttribute("data-proposed") === "1") {
        box.checked = false;
        box.removeAttribute("data-proposed");
      }
    });
    if (!lead && !co.length) {
      if (hint) hint.hidden = true;
      return;
    }
    if (lead && leadSelect) leadSelect.value = lead;
    var names = [];
    boxes.forEach(function (box) {
      if (co.indexOf(box.value) !== -1 && box.value !== lead) {
        if (!box.checked) box.setAttribute("data-proposed", "1");
        box.checked = true;
        names.push(labelOf(box));
      } else if (box.value === lead && box.checked) {
        box.checked = false;  // the lead is not its own co-department
      }
    });
    if (hint) {
      var leadName = leadSelect && lead ? leadSelect.options[leadSelect.selectedIndex].text : hint.getAttribute("data-none");
      hint.textContent = hint.getAttribute("data-template")
        .replace("%(lead)s", leadName)
        .replace("%(co)s", names.length ? names.join(hint.getAttribute("data-separator")) : hint.getAttribute("data-none"));
      hint.hidden = false;
    }
  }

  document.addEventListener(
    "change",
    function (event) {
      var target = event.target;
      if (target.matches && target.matches("#form-assign select[name='assign-package']")) propose(target);
    },
    true
  );
})();
