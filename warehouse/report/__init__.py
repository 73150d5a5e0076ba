"""`newslake report`: one self-contained HTML page over the lake.

data reads the report's records from the lake's views; charts turns them into Vega-Lite specs;
html fills the page template (page.html, report.css, draw_charts.js: package data) with them.
"""
