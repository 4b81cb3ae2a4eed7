"""The web console in a real browser against a real server with keys: sign-in, uploading and
invoking a function, the overview's figures, recent calls, state keys and a workflow's graph;
no JavaScript error anywhere. Prints the first load's timing and the bundle's size; saves
screenshots into $WASMLET_SCREENSHOTS when set."""
import gzip
import json
import os
import pathlib
import time
import urllib.request

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from conftest import USER

TIMEOUT = 60
# What one test leaves for the next (they run in file order).
INVOKED = {}


def by_testid(name):
    return (By.CSS_SELECTOR, '[data-testid="%s"]' % name)


def wait_for(driver, locator, condition=None, timeout=TIMEOUT):
    """The element at `locator` once it exists (and `condition(element)` holds)."""
    def ready(d):
        found = d.find_elements(*locator)
        if not found:
            return False
        return found[0] if condition is None or condition(found[0]) else False
    return WebDriverWait(driver, timeout, poll_frequency=0.1).until(
        ready, message="waiting for %s" % (locator,))


def screenshot(driver, name):
    folder = os.environ.get("WASMLET_SCREENSHOTS")
    if folder:
        pathlib.Path(folder).mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(pathlib.Path(folder) / ("console-%s.png" % name)))


@pytest.fixture(autouse=True)
def no_javascript_errors(browser):
    """Fails a test whose page logged an error; failed requests the page expects (the 401s
    of signing in) are the network's entries, not errors of the console."""
    browser.get_log("browser")
    yield
    errors = [e for e in browser.get_log("browser")
              if e["level"] == "SEVERE" and e.get("source") != "network"]
    assert not errors, errors


def test_first_load_and_sign_in(server, browser, capsys):
    browser.get(server.base + "/console")  # redirected to /console/
    key_field = wait_for(browser, (By.ID, "signin-key"))
    assert browser.current_url.endswith("/console/")
    timing = browser.execute_script("""
        const n = performance.getEntriesByType('navigation')[0];
        const ready = performance.getEntriesByName('console-ready')[0];
        return {dom_interactive_ms: n.domInteractive, dom_content_loaded_ms: n.domContentLoadedEventEnd,
                load_event_end_ms: n.loadEventEnd, console_ready_ms: ready ? ready.startTime : null};
    """)
    sizes = {}
    for name in ("", "app.js", "app.css"):
        with urllib.request.urlopen(server.base + "/console/" + name) as r:
            body = r.read()
        sizes[name or "index.html"] = {"bytes": len(body), "gzip_bytes": len(gzip.compress(body))}
    with capsys.disabled():
        print("\nconsole first load (headless Chromium, loopback, cold cache): "
              + json.dumps({k: round(v, 1) for k, v in timing.items() if v is not None}))
        print("console bundle: " + json.dumps(sizes))
    assert timing["console_ready_ms"] is not None
    assert sizes["app.js"]["bytes"] > 0
    screenshot(browser, "signin")

    key_field.send_keys("wlk_not_a_key")
    browser.find_element(By.ID, "signin-submit").click()
    error = wait_for(browser, (By.ID, "signin-error"), lambda e: e.text.strip() != "")
    assert "key" in error.text.lower()
    assert browser.execute_script("return sessionStorage.getItem('wasmlet.key')") is None

    key_field = browser.find_element(By.ID, "signin-key")
    key_field.clear()
    key_field.send_keys(server.key)
    browser.find_element(By.ID, "signin-submit").click()
    who = wait_for(browser, by_testid("whoami"))
    assert who.text == "%s (tenant)" % USER
    # The key stays for the tab: a reload needs no new sign-in.
    browser.refresh()
    assert wait_for(browser, by_testid("whoami")).text == "%s (tenant)" % USER


def test_upload_and_invoke(server, browser, echo_wasm):
    browser.get(server.base + "/console/#/")
    wait_for(browser, (By.ID, "open-function-name")).send_keys("echo")
    browser.find_element(By.ID, "open-function-go").click()
    wait_for(browser, by_testid("function-missing"))
    browser.find_element(By.ID, "upload-file").send_keys(str(echo_wasm))
    browser.find_element(By.ID, "upload-submit").click()
    result = wait_for(browser, (By.ID, "upload-result"))
    assert "%s/echo" % USER in result.text
    details = wait_for(browser, by_testid("function-details"))
    assert "wasm" in details.text

    browser.find_element(By.ID, "invoke-input").send_keys("hello from the console")
    browser.find_element(By.ID, "invoke-submit").click()
    wait_for(browser, by_testid("invoke-result"))
    assert browser.find_element(By.ID, "invoke-output").text == "hello from the console"
    assert browser.find_element(By.ID, "invoke-return-code").text == "0"
    assert browser.find_element(By.ID, "invoke-status").text == "succeeded"
    call_id = browser.find_element(By.ID, "invoke-call-id").text
    assert call_id.isdigit()
    INVOKED["call_id"] = call_id
    assert browser.find_element(By.ID, "invoke-run-us").text != ""
    # The function's recent calls list this one.
    wait_for(browser, by_testid("call-row-" + call_id))
    screenshot(browser, "function")


def test_overview_counts_the_call(server, browser, pipeline):
    browser.get(server.base + "/console/#/")
    row = wait_for(browser, by_testid("function-row-%s/echo" % USER))
    calls = wait_for(browser, (By.CSS_SELECTOR, '[data-testid="function-row-%s/echo"] [data-col="calls"]' % USER),
                     lambda e: e.text.strip() not in ("", "0"))
    assert int(calls.text) >= 1
    assert "wasm" in row.text
    wait_for(browser, by_testid("workflow-row-%s/image_pipeline" % USER))
    assert int(wait_for(browser, by_testid("total-calls")).text) >= 2
    WebDriverWait(browser, 10).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, ".chart canvas")) == 4)
    if os.environ.get("WASMLET_SCREENSHOTS"):
        # Some load for the charts to show: a call every 200 ms for 8 s (few enough that the
        # call of test_upload_and_invoke stays among the 50 recent calls).
        for _ in range(40):
            server.request("POST", "/v1/functions/%s/echo:invoke" % USER, "load")
            time.sleep(0.2)
    screenshot(browser, "overview")


def test_recent_calls(server, browser):
    browser.get(server.base + "/console/#/calls")
    wait_for(browser, (By.CSS_SELECTOR, '[data-testid^="call-row-"]'))
    rows = browser.find_elements(By.CSS_SELECTOR, '[data-testid^="call-row-"]')
    functions = {r.find_elements(By.TAG_NAME, "td")[1].text for r in rows}
    assert "%s/echo" % USER in functions
    assert all(r.get_attribute("data-status") in ("succeeded", "failed", "running", "queued")
               for r in rows)
    echo_row = browser.find_element(*by_testid("call-row-" + INVOKED["call_id"]))
    assert echo_row.find_elements(By.TAG_NAME, "td")[1].text == "%s/echo" % USER
    assert echo_row.get_attribute("data-status") == "succeeded"
    echo_row.click()
    record = wait_for(browser, by_testid("call-record"))
    assert "hello from the console" in record.text
    screenshot(browser, "calls")


def test_state_keys(server, browser):
    status, _, body = server.request("PUT", "/v1/state/%s/greeting" % USER, "hello state")
    assert status == 204, body
    browser.get(server.base + "/console/#/state")
    row = wait_for(browser, by_testid("state-row-greeting"))
    assert "11 B" in row.text
    row.click()
    value = wait_for(browser, (By.ID, "state-value"), lambda e: e.text != "…")
    assert value.text == "hello state"
    screenshot(browser, "state")


def test_workflow_graph(server, browser, pipeline):
    browser.get(server.base + "/console/#/workflow/%s/image_pipeline" % USER)
    wait_for(browser, by_testid("execution-row-%d" % pipeline))
    for state in ("Resize", "Classify", "Render"):
        node = wait_for(browser, by_testid("wf-node-" + state),
                        lambda e: e.get_attribute("data-status") != "not-run")
        assert node.get_attribute("data-status") == "succeeded", state
    history = wait_for(browser, by_testid("history-table"))
    assert [r.find_elements(By.TAG_NAME, "td")[0].text
            for r in history.find_elements(By.CSS_SELECTOR, "tbody tr")] == ["Resize", "Classify", "Render"]
    screenshot(browser, "workflow")
