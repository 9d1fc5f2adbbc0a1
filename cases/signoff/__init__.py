"""The sign-off chain (对账销号) and the requests around it.

- `models`: chains and their ordered steps (who signs each), extension requests (申请延期);
- `eligibility`: who signs an item at its current step — the one rule of the queue and the
  services;
- `services`: extension requests and their decisions;
- `sheet`: the filled-in sign-off sheet (销号审批单) as a GB/T 9704 `.docx`;
- `admin`: chains and steps in the admin.

The state changes themselves (request, sign, send back, paper sign-off) are in
`cases.services`, which every source goes through.
"""
