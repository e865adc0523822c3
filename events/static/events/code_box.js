/* The registration's code box (events/templates/events/register.html): « Appliquer » sends the
 * code with the form below it, so that the page comes back with the code applied and all that
 * was typed there kept; the form's own code field is hidden, the box being the one place to
 * type a code. Without this script the box is a plain GET form: the page comes back with the
 * code and the form empty, which the box's hint says. */
(function () {
    "use strict";
    var box = document.querySelector("form[data-apply-with-form]");
    var form = document.querySelector(".registration-form");
    if (!box || !form) { return; }
    var field = form.querySelector("input[name='discount_code']");
    var typed = box.querySelector("input[name='code']");
    if (!field || !typed) { return; }
    var hint = box.querySelector("[data-apply-hint]");
    if (hint) { hint.remove(); }  // what it warns of no longer happens
    // One place for the code: the box. The form's own code field (which the page without
    // this script needs) is hidden, and follows what is typed in the box.
    if (!typed.value && field.value) { typed.value = field.value; }
    field.value = typed.value;
    var own = field.closest(".field");
    if (own && !own.querySelector(".field__error")) { own.hidden = true; }  // an error stays seen
    typed.addEventListener("input", function () { field.value = typed.value; });
    box.addEventListener("submit", function (event) {
        event.preventDefault();
        field.value = typed.value;
        var flag = document.createElement("input");
        flag.type = "hidden";
        flag.name = "appliquer";
        flag.value = "1";
        form.appendChild(flag);
        form.submit();
    });
})();
