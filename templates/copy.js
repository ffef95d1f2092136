// Copy buttons: <button data-copy="element-id">. The page works without this script.
document.querySelectorAll("button[data-copy]").forEach((button) => {
  button.hidden = false;
  button.addEventListener("click", async () => {
    const text = document.getElementById(button.dataset.copy).textContent.trim();
    await navigator.clipboard.writeText(text);
    button.textContent = "Copied";
  });
});
