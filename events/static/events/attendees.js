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
    // Each is the ticket type's quantity field.
    function types() {
        var people = [];
        if (quantities.length < 2) { return people; }
        Array.prototype.forEach.call(quantities, function (input) {
            var n = Math.min(parseInt(input.value, 10) || 0, blocks.length);
            for (var i = 0; i < n; i += 1) { people.push(input); }
        });
        return people;
    }

    function fields(block) {
        return block.querySelectorAll("input, select, textarea");
    }

    function read(block) {
        return Array.prototype.map.call(fields(block), function (field) {
            if (field.type === "checkbox" || field.type === "radio") { return field.checked; }
            return field.tagName === "SELECT" ? field.selectedIndex : field.value;
        });
    }

    function write(block, values) {
        Array.prototype.forEach.call(fields(block), function (field, index) {
            var value = values ? values[index] : null;
            if (field.type === "checkbox" || field.type === "radio") {
                field.checked = value === true;
            } else if (field.tagName === "SELECT") {
                field.selectedIndex = value === null ? 0 : value;
            } else {
                field.value = value === null ? "" : value;
            }
        });
    }

    // Each person keeps what was typed for them when the quantities change: blocks follow the
    // form's order of ticket types, so one more « Régulier » would otherwise hand the first
    // « Étudiant·e »'s name to a « Régulier » ticket. The k-th person of a type stays the k-th
    // of that type, a new one starts empty, and one no longer asked for is remembered should
    // the quantity come back (a number cleared to be typed again).
    var typedFor = {};  // ticket type's field name → what was typed for each of its people

    function each(people, call) {
        var counted = {};
        people.forEach(function (type, index) {
            var k = counted[type.name] || 0;
            counted[type.name] = k + 1;
            typedFor[type.name] = typedFor[type.name] || [];
            call(typedFor[type.name], k, blocks[index]);
        });
    }

    function keepPeople(before, after) {
        var same = before.length === after.length && before.every(function (type, index) {
            return type === after[index];
        });
        if (!before.length || same) { return; }
        each(before, function (typed, k, block) { typed[k] = read(block); });
        each(after, function (typed, k, block) { write(block, typed[k] || null); });
    }

    var labelsShown = types();

    function update() {
        var shown = wanted();
        var labels = types();
        keepPeople(labelsShown, labels);
        labelsShown = labels;
        // Tells the server how many people the buyer was shown (without this script, a form
        // asking for more tickets than it showed comes back with a block for each).
        if (seen) { seen.value = String(Math.min(shown, blocks.length)); }
        Array.prototype.forEach.call(blocks, function (block, index) {
            var visible = index < shown;
            block.hidden = !visible;
            var type = block.querySelector("[data-ticket-type]");
            var label = labels[index] && labels[index].getAttribute("data-ticket");
            if (type) { type.textContent = label ? " — " + label : ""; }
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
