// Runs a Scratch 3 project (.sb3) headless for the judge: "ask" reads one line of stdin,
// "say" (and "think") writes one line of stdout. The project starts with the green flag and
// ends when no script is running. Usage: node scratch_runner.js [--check] project.sb3
'use strict';
const fs = require('fs');
const path = require('path');

const args = process.argv.slice(2);
const check = args[0] === '--check';
const file = check ? args[1] : args[0];

// Scratch-vm logs through tslog/console: keep stdout for the program's own output.
console.log = console.info = console.warn = console.debug = () => {};
console.error = (...a) => fs.writeSync(2, a.join(' ') + '\n');

const VirtualMachine = require(path.join(__dirname, 'node_modules', '@scratch', 'scratch-vm'));

const out = [];
function flush() {
    if (out.length) {
        fs.writeSync(1, out.join(''));
        out.length = 0;
    }
}

function readInputLines() {
    let text = '';
    try {
        text = fs.readFileSync(0, 'utf8');
    } catch (e) {
        text = '';
    }
    const lines = text.split(/\r?\n/);
    if (lines.length && lines[lines.length - 1] === '') lines.pop();
    return lines;
}

async function main() {
    let data;
    try {
        data = fs.readFileSync(file);
    } catch (e) {
        console.error('cannot read project: ' + e.message);
        process.exit(2);
    }
    const vm = new VirtualMachine();
    try {
        await vm.loadProject(data);
    } catch (e) {
        console.error('not a valid Scratch 3 project: ' + (e && e.message ? e.message : e));
        process.exit(2);
    }
    if (check) {
        process.exit(0);
    }
    const input = readInputLines();
    let next = 0;
    let answer = '';
    // Replace the blocks that talk to a user by stdin/stdout: synchronous, no speech bubbles,
    // no waiting ("say for N seconds" says at once).
    const prims = vm.runtime._primitives;
    const say = args => {
        out.push(String(args.MESSAGE) + '\n');
        if (out.length > 1000) flush();
    };
    prims.looks_say = say;
    prims.looks_sayforsecs = say;
    prims.sensing_askandwait = () => {
        answer = next < input.length ? input[next++] : '';
    };
    prims.sensing_answer = () => answer;
    vm.setTurboMode(true);
    // The sequencer works for 75% of a step's time; runtime.start() would set it with a 60 Hz timer.
    vm.runtime.currentStepTime = 100;
    vm.greenFlag();
    // Step the runtime as fast as possible instead of 60 frames a second; yield to the event
    // loop between steps so that promises inside blocks settle.
    const step = () => {
        vm.runtime._step();
        if (vm.runtime.threads.length === 0) {
            flush();
            process.exit(0);
        }
        setImmediate(step);
    };
    setImmediate(step);
}

main().catch(e => {
    flush();
    console.error(String(e && e.stack ? e.stack : e));
    process.exit(1);
});
