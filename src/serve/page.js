// The live page's script: the controls' values are the page's state (in the URL);
// a change asks the server for a run and shows each update as it arrives. A newer
// change makes the older run's updates be ignored (the server cancels that run).
'use strict';
const form = document.getElementById('levers');
const results = document.getElementById('results');
const statusLine = document.getElementById('status');
const errorLine = document.getElementById('error');
const scenarioLink = document.getElementById('download-scenario');
const reportLink = document.getElementById('download-report');
const commandLine = document.getElementById('command');
const inputs = [...form.querySelectorAll('[data-field]')];
let generation = 0;
let timer = null;

// A slider's value as --set reads it: a float keeps a decimal point.
function valueOf(input) {
  const value = input.value;
  if (input.tagName === 'SELECT' || input.dataset.whole === '1' || /[.eE]/.test(value)) return value;
  return value + '.0';
}

function query() {
  const params = new URLSearchParams();
  for (const input of inputs) {
    if (input.dataset.set === '1' && input.value !== '') params.append(input.dataset.field, valueOf(input));
  }
  return params.toString();
}

function showError(message) {
  errorLine.textContent = message;
  errorLine.hidden = false;
}

function setLinks(state, complete) {
  const suffix = state ? '?' + state : '';
  scenarioLink.href = '/scenario.toml' + suffix;
  reportLink.href = '/report.html' + suffix;
  reportLink.setAttribute('aria-disabled', complete ? 'false' : 'true');
}

async function submit() {
  const state = query();
  history.replaceState(null, '', (state ? '?' + state : location.pathname) + location.hash);
  setLinks(state, false);
  const mine = ++generation;
  statusLine.textContent = 'Running…';
  let response, body;
  try {
    response = await fetch('/api/run', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: state,
    });
    body = await response.json();
  } catch (failure) {
    showError('The server did not answer: ' + failure);
    return;
  }
  if (mine !== generation) return;
  if (!response.ok) {
    statusLine.textContent = 'Not run: the settings are not valid.';
    showError(body.error);
    return;
  }
  errorLine.hidden = true;
  commandLine.textContent = body.command.map(quote).join(' ');
  await follow(body.run, mine, state);
}

// An argument as a POSIX shell reads it back.
function quote(arg) {
  return /^[A-Za-z0-9_\-./=:,]+$/.test(arg) ? arg : "'" + arg.replace(/'/g, "'\\''") + "'";
}

async function follow(run, mine, state) {
  let after = 0;
  while (mine === generation) {
    let body;
    try {
      const response = await fetch('/api/update?run=' + run + '&after=' + after);
      body = await response.json();
      if (!response.ok) { showError(body.error); return; }
    } catch (failure) {
      showError('The server did not answer: ' + failure);
      return;
    }
    if (mine !== generation) return;
    const update = body.update;
    if (update && update.seq > after) {
      after = update.seq;
      results.innerHTML = update.html;
      statusLine.textContent = (update.complete ? 'Done: ' : 'Running: ') + update.trials_done + ' of ' +
        update.trials_total + ' trials' + (body.reused ? ' (shown before, kept)' : ' (' + update.elapsed_ms + ' ms)');
    }
    if (body.status === 'done') {
      setLinks(state, true);
      document.body.dataset.complete = String(Number(document.body.dataset.complete || 0) + 1);
      document.dispatchEvent(new CustomEvent('attrition-complete'));
      return;
    }
    if (body.status === 'cancelled') return;
    if (body.status && body.status.failed) { showError(body.status.failed); return; }
  }
}

for (const input of inputs) {
  const output = input.parentElement.querySelector('output');
  input.addEventListener('input', () => { if (output) output.textContent = input.value; });
  input.addEventListener('change', () => {
    input.dataset.set = '1';
    input.parentElement.classList.add('set');
    clearTimeout(timer);
    timer = setTimeout(submit, 120);
  });
}

document.getElementById('reset').addEventListener('click', () => {
  for (const input of inputs) {
    input.dataset.set = '0';
    input.parentElement.classList.remove('set');
    if (input.dataset.scenario !== undefined) input.value = input.dataset.scenario;
    const output = input.parentElement.querySelector('output');
    if (output) output.textContent = input.value;
  }
  submit();
});

// A test hook: `#test-change=FIELD=VALUE` moves that control after the first
// complete result, as a person would, and records the ranking before and after.
const hook = decodeURIComponent(location.hash.replace(/^#test-change=/, ''));
if (location.hash.startsWith('#test-change=')) {
  const at = hook.indexOf('=');
  const field = hook.slice(0, at);
  const value = hook.slice(at + 1);
  const ranking = () => (document.querySelector('#ranking tbody') || {}).textContent || '';
  document.addEventListener('attrition-complete', () => {
    if (document.body.dataset.complete === '1') {
      document.body.dataset.before = ranking();
      const input = inputs.find((candidate) => candidate.dataset.field === field);
      input.value = value;
      input.dispatchEvent(new Event('input'));
      input.dispatchEvent(new Event('change'));
    } else {
      document.body.dataset.after = ranking();
      document.body.dataset.changed = document.location.search;
    }
  });
}

submit();
