"""The weekly briefing: notebooks run with papermill, rendered to one offline HTML page."""

# Set by `baiyi report` for the notebook's kernel: charts become inline HTML.
REPORT_MODE_ENV = "BAIYI_REPORT"
