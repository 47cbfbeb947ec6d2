"""The stage layer: one module per ``workflow/rules/*.smk`` file (``data``,
``train``, ``distill``, ``retrieve``, ``rerank``, ``evaluate``), one function
per rule, named after the rule and called with keywords by the script of the
same name (``scripts/<rule>.py``). Stage functions read and write files; the
work itself lives in the library beside this package."""
