/* The registration form (events/templates/events/register.html): one block per ticket for the
 * person's name and the questions asked of each. The server renders every block the activity
 * allows and shows as many as tickets were asked for; this script shows them as the
 * quantities change, so that everything is filled in one go. Without it, the form comes back
 * with the right number of blocks after sending. */
(function () {
    "use strict";
    var form = document.querySelector(".registration-form");
    var holder = document.getElementById("attendee-blocks");
    if (!form || !holder) { return; }
    var blocks = holder.querySelectorAll("[data-attendee-block]");
    var quantities = form.querySelectorAll("input[name^='quantity_']");
    var seen = form.querySelector("input[name='attendee_blocks_shown']");

    function wanted() {
        var total = 0;
        Array.prototype.forEach.call(quantities, function (input) {
            var n = parseInt(input.value, 10);
            if (n > 0) { total += n; }
        });
        return Math.max(1, total);
    }

    // The ticket type of each person, in the order the server hands them out (the form's
    // order), when there are several types: « Personne 3 — Étudiant·e ».
    function types() {
        var labels = [];
        if (quantities.length < 2) { return labels; }
        Array.prototype.forEach.call(quantities, function (input) {
            var n = Math.min(parseInt(input.value, 10) || 0, blocks.length);
            for (var i = 0; i < n; i += 1) { labels.push(input.getAttribute("data-ticket") || ""); }
        });
        return labels;
    }

    function update() {
        var shown = wanted();
        var labels = types();
        // Tells the server how many people the buyer was shown (without this script, a form
        // asking for more tickets than it showed comes back with a block for each).
        if (seen) { seen.value = String(Math.min(shown, blocks.length)); }
        Array.prototype.forEach.call(blocks, function (block, index) {
            var visible = index < shown;
            block.hidden = !visible;
            var type = block.querySelector("[data-ticket-type]");
            if (type) { type.textContent = labels[index] ? " — " + labels[index] : ""; }
            Array.prototype.forEach.call(block.querySelectorAll("input, select, textarea"), function (field) {
                field.disabled = !visible;
                if (field.getAttribute("data-required") === "true") {
                    field.required = visible;
                }
            });
        });
    }

    Array.prototype.forEach.call(quantities, function (input) {
        input.addEventListener("input", update);
        input.addEventListener("change", update);
    });
    holder.setAttribute("data-live", "true");
    update();
})();
